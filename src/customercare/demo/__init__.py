"""The demo help center of Lumen Mobile, a fictional company written for this project."""

from pathlib import Path

CONTENT_DIR = Path(__file__).parent / "content"

__all__ = ["CONTENT_DIR"]
