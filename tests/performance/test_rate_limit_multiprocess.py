"""The per-key rate limit holds across three API processes that share Redis
(scripts/perf/rate_limit_multiprocess.py, run against the production backend's servers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "perf" / "rate_limit_multiprocess.py"

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CCGPT_TEST_BACKEND") != "production",
        reason="needs the production backend (CCGPT_TEST_BACKEND=production)",
    ),
]


def test_key_limit_holds_across_three_processes() -> None:
    command = [
        sys.executable,
        str(SCRIPT),
        "--processes=3",
        "--limit=40",
        "--requests=150",
        f"--redis-url={os.environ['CCGPT_TEST_REDIS_URL']}",
        f"--database-url={os.environ['CCGPT_TEST_DATABASE_URL']}",
        f"--chroma-url={os.environ['CCGPT_TEST_CHROMA_URL']}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["succeeded"] == 40
    assert summary["rate_limited"] == 110
    assert len(summary["per_process"]) == 3
