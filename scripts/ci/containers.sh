#!/usr/bin/env bash
# Container configuration checks (`nox -s containers`; CI job `validate` in ci.yml).
#   hadolint:               the Dockerfile (any warning fails).
#   docker-compose config:  both compose files parse, validate against the Compose schema and
#                           interpolate; `-q` prints nothing when they are valid. No Docker
#                           engine is needed.
#   nginx -t:               deploy/nginx/compose.conf, when nginx is installed (skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== hadolint Dockerfile"
hadolint Dockerfile
echo "hadolint: no findings"

# docker-compose.yml requires POSTGRES_PASSWORD (${POSTGRES_PASSWORD:?...}): validation only
# needs some value, never a real one.
export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-compose-config-validation-only}"
for file in docker-compose.yml docker-compose.test.yml; do
  echo "== docker-compose -f $file config -q"
  docker-compose -f "$file" config -q
  echo "$file: valid"
done

echo "== nginx -t (deploy/nginx/compose.conf)"
if command -v nginx >/dev/null 2>&1; then
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  mkdir -p "$prefix/logs"
  # `api` only resolves inside the compose network: test the same file with a local upstream.
  sed 's/server api:8000;/server 127.0.0.1:8000;/' deploy/nginx/compose.conf > "$prefix/compose.conf"
  cat > "$prefix/nginx.conf" <<CONF
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $prefix/client_body;
    proxy_temp_path $prefix/proxy;
    fastcgi_temp_path $prefix/fastcgi;
    uwsgi_temp_path $prefix/uwsgi;
    scgi_temp_path $prefix/scgi;
    include $prefix/compose.conf;
}
CONF
  nginx -t -q -p "$prefix" -c "$prefix/nginx.conf"
  echo "deploy/nginx/compose.conf: valid"
else
  echo "nginx is not installed: skipped"
fi
