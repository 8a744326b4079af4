"""The README's quick start, as a new user runs it: a fresh clone, an empty home directory,
``python3 dev.py run --port P`` exactly as the README writes it, then the README's own curl
command (with the ``export KEY=...`` line the run printed) until the demo bot answers. Then a
warm restart, and ``ccgpt --help``. Every figure is printed; each is checked against the
issue's target with a generous margin (this machine is shared and its load varies).

Slow (uv, the packages and the model come from PyPI into the empty home) and networked (PyPI
and localhost only): it runs in ``nox -s quickstart`` (called by .ci/run), never in the suite.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
# The targets of issue 17, and how far past them a busy 2-core machine may go.
FRESH_TARGET_S, WARM_TARGET_S, HELP_TARGET_S = 60.0, 10.0, 1.0
MARGIN = 2.5

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CCGPT_QUICKSTART") != "1",
        reason="the README quick start runs in `nox -s quickstart` (CCGPT_QUICKSTART=1)",
    ),
]


def readme_commands(readme: str) -> tuple[str, str]:
    """The run command and the chat curl command of the README's quick start."""
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick_start, re.S)
    lines = [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines()]
    run = next(line for line in lines if line.startswith("python3 dev.py run"))
    chat = next(line for line in lines if line.startswith("curl") and line.endswith("/api/v1/chat"))
    assert "\\" not in chat, "the README's curl command must be one line, not wrapped"
    return run, chat


def clean_environment(home: Path) -> dict[str, str]:
    """The machine's environment (its certificates, its package index settings) as a new
    user has it: an empty home, and nothing of this test run (its data directory, its
    virtual environment, uv's and pytest's variables, this worktree's .venv on PATH)."""
    dropped = ("CCGPT_", "XDG_", "UV", "VIRTUAL_ENV", "PYTEST", "COV", "NOX")
    variables = {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
    variables["PATH"] = os.pathsep.join(
        entry for entry in variables.get("PATH", "").split(os.pathsep) if str(ROOT) not in entry
    )
    variables["HOME"] = str(home)
    return variables


@contextmanager
def running(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # dev.py and the server it started
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def first_answer(
    chat: str, log: Path, env: dict[str, str], deadline: float, process: subprocess.Popen[bytes]
) -> dict[str, object]:
    """Poll the README's curl command (with the printed key) until the bot answers."""
    while time.monotonic() < deadline and process.poll() is None:
        key = re.search(r"^export KEY=(\S+)$", log.read_text(errors="replace"), re.M)
        if key:
            completed = subprocess.run(
                ["bash", "-c", chat],
                env={**env, "KEY": key.group(1)},
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode == 0 and completed.stdout.startswith("{"):
                reply: dict[str, object] = json.loads(completed.stdout)
                return reply
        time.sleep(0.5)
    raise AssertionError(f"no answer; the run printed:\n{log.read_text()[-3000:]}")


def test_the_readme_quick_start_on_a_fresh_clone(tmp_path: Path) -> None:
    clone, home = tmp_path / "clone", tmp_path / "home"
    home.mkdir()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    run, chat = readme_commands((clone / "README.md").read_text())
    port = free_port()
    command = [*shlex.split(run), "--port", str(port)]
    chat = chat.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    env = clean_environment(home)
    figures: dict[str, float] = {}

    started = time.monotonic()
    log = tmp_path / "fresh.log"
    with running(command, clone, env, log) as process:
        reply = first_answer(chat, log, env, started + 4 * FRESH_TARGET_S, process)
        figures["fresh clone to first answer"] = time.monotonic() - started
    print(log.read_text())
    assert reply["decision"] == "answered", reply
    assert reply["citations"], reply

    started = time.monotonic()
    log = tmp_path / "warm.log"
    with running(command, clone, env, log) as process:
        reply = first_answer(chat, log, env, started + 6 * WARM_TARGET_S, process)
        figures["warm restart to first answer"] = time.monotonic() - started
    assert reply["decision"] == "answered", reply

    help_times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run(
            [str(clone / ".venv/bin/ccgpt"), "--help"], env=env, check=True, capture_output=True
        )
        help_times.append(time.monotonic() - started)
    figures["ccgpt --help (best of 3)"] = min(help_times)
    assert not (clone / "data").exists(), "a command wrote ./data into the working directory"
    assert (home / ".local" / "share" / "customercare" / "demo-api-key").is_file()

    for name, seconds in figures.items():
        print(f"quickstart: {name}: {seconds:.1f} s")
    assert figures["fresh clone to first answer"] < FRESH_TARGET_S * MARGIN
    assert figures["warm restart to first answer"] < WARM_TARGET_S * MARGIN
    assert figures["ccgpt --help (best of 3)"] < HELP_TARGET_S * MARGIN
