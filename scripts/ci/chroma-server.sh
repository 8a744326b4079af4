#!/usr/bin/env bash
# A Chroma server on loopback for the production-backend tests (CCGPT_TEST_CHROMA_URL), the
# same in every CI workflow and in .ci/run:
#
#   scripts/ci/chroma-server.sh start [DIR]   # start, wait for the heartbeat, print the pid
#   scripts/ci/chroma-server.sh stop [DIR]    # stop the server started with the same DIR
#
# DIR (default: $RUNNER_TEMP/chroma, else $TMPDIR/chroma) holds the data (DIR/data), the log
# (DIR/chroma.log) and the pid (DIR/chroma.pid). The server listens on 127.0.0.1:$CHROMA_PORT
# (default 8765); `start` fails, printing the log, when the server exits or does not answer
# GET /api/v2/heartbeat within $CHROMA_TIMEOUT seconds (default 60), or when something else
# already answers on that port.
set -euo pipefail

usage() { echo "usage: $0 start|stop [DIR]" >&2; exit 2; }
[ $# -ge 1 ] || usage
command=$1
dir=${2:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/chroma}
port=${CHROMA_PORT:-8765}
timeout=${CHROMA_TIMEOUT:-60}
heartbeat="http://127.0.0.1:$port/api/v2/heartbeat"
log="$dir/chroma.log"
pidfile="$dir/chroma.pid"

# The project's environment (uv sync) when there is one, else whatever is on PATH.
root="$(cd "$(dirname "$0")/../.." && pwd)"
chroma=chroma
if [ -x "$root/.venv/bin/chroma" ]; then chroma="$root/.venv/bin/chroma"; fi

fail() {
  echo "chroma-server: $*" >&2
  if [ -f "$log" ]; then echo "--- $log (last 50 lines)" >&2; tail -n 50 "$log" >&2; fi
  exit 1
}

start() {
  if curl -fsS "$heartbeat" >/dev/null 2>&1; then
    fail "something already answers on 127.0.0.1:$port; set CHROMA_PORT to a free port"
  fi
  mkdir -p "$dir/data"
  # Chroma's own usage reporting stays off, as in the application.
  ANONYMIZED_TELEMETRY=False nohup "$chroma" run --path "$dir/data" --host 127.0.0.1 \
    --port "$port" >"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$pidfile"
  echo "chroma-server: pid $pid, http://127.0.0.1:$port, data and log in $dir"
  local deadline=$((SECONDS + timeout))
  until curl -fsS "$heartbeat" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      fail "the server (pid $pid) exited before answering $heartbeat"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      fail "no answer from $heartbeat within ${timeout}s (server pid $pid stopped)"
    fi
    sleep 1
  done
  echo "chroma-server: ready ($(curl -fsS "$heartbeat"))"
}

stop() {
  if [ ! -f "$pidfile" ]; then
    echo "chroma-server: no $pidfile, nothing to stop"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  echo "chroma-server: stopped pid $pid"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
