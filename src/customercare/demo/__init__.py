"""The demo help center of Lumen Mobile, a fictional company written for this project, and the
answer set that measures the bot on it."""

from pathlib import Path

CONTENT_DIR = Path(__file__).parent / "content"
ANSWER_EVAL_FILE = Path(__file__).parent / "answer_eval.jsonl"
DEMO_WORKSPACE_NAME = "Lumen Mobile (demo)"

__all__ = ["ANSWER_EVAL_FILE", "CONTENT_DIR", "DEMO_WORKSPACE_NAME"]
