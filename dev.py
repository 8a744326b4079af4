#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+ (no make, no uv beforehand).

    python3 dev.py run    # set up, load the demo help center, serve http://127.0.0.1:8000
    python3 dev.py test   # set up, run the test suite (nox -s tests)

Set-up is idempotent: uv is installed into .tools/, the locked environment into .venv/, and the
embedding model into ~/.cache/customercare/models (once per machine). Extra arguments go to
the command: ``python3 dev.py run --port 8080``, ``python3 dev.py test -- -k chat``."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
UV_VERSION = "0.13.9"
UV = TOOLS / "bin" / "uv"


def sh(*command: str | Path) -> None:
    # Fixed commands of this script, never user input.
    completed = subprocess.run([str(p) for p in command], cwd=ROOT, check=False)  # noqa: S603
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def bootstrap() -> None:
    if not UV.exists():
        venv.EnvBuilder(with_pip=True).create(TOOLS)
        sh(TOOLS / "bin" / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    sh(UV, "sync", "--frozen")
    sh(UV, "run", "--frozen", "ccgpt", "model", "install")


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - a clear message beats a SyntaxError later
        sys.exit("CustomerCareGPT needs Python 3.11 or newer")
    if not argv or argv[0] not in {"run", "test", "setup"}:
        sys.exit(__doc__)
    command, extra = argv[0], argv[1:]
    bootstrap()
    if command == "run":
        sh(UV, "run", "--frozen", "ccgpt", "demo", *extra)
    elif command == "test":
        sh(UV, "run", "--frozen", "nox", "-s", "tests", *extra)


if __name__ == "__main__":
    main(sys.argv[1:])
