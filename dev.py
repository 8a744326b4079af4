#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+ (no make, no uv beforehand).

    python3 dev.py run    # set up what running needs, load the demo help center, serve :8000
    python3 dev.py test   # set up the development tools too, run the test suite (nox -s tests)

Set-up is idempotent: uv is installed into .tools/, the locked environment into .venv/ (``run``
installs the runtime packages only; ``test`` adds the development groups), and the embedding
model into the user's cache directory (once per machine). Each step prints one plain line with
its time. Extra arguments go to the command: ``python3 dev.py run --port 8080``,
``python3 dev.py test -- -k chat``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
UV_VERSION = "0.13.9"
UV = TOOLS / "bin" / "uv"
VENV_BIN = ROOT / ".venv" / "bin"
# Byte-compiled ahead so that `ccgpt --help` does not compile typer and rich each time where
# PYTHONDONTWRITEBYTECODE is set (the rest is compiled on first import, see ENVIRONMENT).
HELP_PACKAGES = ("typer", "rich", "click")


def environment() -> dict[str, str]:
    """The commands' environment: Python may cache byte code (a warm start then skips
    compiling the web stack again), and uv keeps quiet unless something goes wrong."""
    variables = dict(os.environ)
    variables.pop("PYTHONDONTWRITEBYTECODE", None)
    variables.setdefault("UV_NO_PROGRESS", "1")
    return variables


def sh(*command: str | Path) -> None:
    # Fixed commands of this script, never user input.
    completed = subprocess.run(  # noqa: S603
        [str(p) for p in command], cwd=ROOT, check=False, env=environment()
    )
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def step(message: str, started: float) -> None:
    print(f"dev.py: {message} ({time.monotonic() - started:.1f} s)", flush=True)


def bootstrap(command: str) -> None:
    started = time.monotonic()
    if not UV.exists():
        venv.EnvBuilder(with_pip=True).create(TOOLS)
        sh(TOOLS / "bin" / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    step(f"uv {UV_VERSION} ready", started)
    started = time.monotonic()
    if command == "run":
        # The runtime packages only; --inexact keeps development tools a test run installed.
        sh(UV, "sync", "--frozen", "--quiet", "--no-default-groups", "--inexact")
        step("runtime packages installed (.venv)", started)
    else:
        sh(UV, "sync", "--frozen", "--quiet")
        step("runtime and development packages installed (.venv)", started)
    started = time.monotonic()
    site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    folders = [site / name for name in HELP_PACKAGES if (site / name).is_dir()]
    sh(VENV_BIN / "python", "-m", "compileall", "-q", "-j", "0", *folders, ROOT / "src")
    step("command line byte-compiled", started)
    started = time.monotonic()
    sh(VENV_BIN / "ccgpt", "model", "install")
    step("embedding model ready", started)


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - a clear message beats a SyntaxError later
        sys.exit("CustomerCareGPT needs Python 3.11 or newer")
    if not argv or argv[0] not in {"run", "test", "setup"}:
        sys.exit(__doc__)
    command, extra = argv[0], argv[1:]
    bootstrap(command)
    if command == "run":
        # .venv/bin directly: `uv run` would sync the default (development) groups first.
        sh(VENV_BIN / "ccgpt", "demo", *extra)
    elif command == "test":
        sh(UV, "run", "--frozen", "nox", "-s", "tests", *extra)


if __name__ == "__main__":
    main(sys.argv[1:])
