"""The committed widget bundle stays within its budgets (docs/widget.md): the loader
``widget.js`` under 5 kB gzipped, the frame ``frame.js`` + ``frame.css`` under 40 kB.

Reads the built files committed in ``src/customercare/widget/static``: no Node needed
(``nox -s widget`` rebuilds them and fails when they differ from the commit)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "src" / "customercare" / "widget" / "static"
LOADER_BUDGET = 5_000
FRAME_BUDGET = 40_000


def gzipped_size(*names: str) -> int:
    return sum(len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9)) for name in names)


@pytest.mark.parametrize("name", ["widget.js", "frame.js", "frame.css"])
def test_the_built_files_are_committed(name: str) -> None:
    path = STATIC / name
    assert path.is_file(), f"{path} is missing: run `npm --prefix widget run build` and commit it"
    assert path.read_bytes().endswith(b"\n")


def test_the_loader_is_under_5_kb_gzipped() -> None:
    size = gzipped_size("widget.js")
    assert size < LOADER_BUDGET, f"widget.js is {size} bytes gzipped (budget {LOADER_BUDGET})"


def test_the_frame_app_is_under_40_kb_gzipped() -> None:
    size = gzipped_size("frame.js", "frame.css")
    assert size < FRAME_BUDGET, f"frame.js + frame.css are {size} bytes gzipped ({FRAME_BUDGET})"


def test_the_bundle_names_carry_no_hash() -> None:
    # Fixed names: the API serves /widget.js, /widget/frame.js and /widget/frame.css.
    built = sorted(p.name for p in STATIC.iterdir() if p.suffix in {".js", ".css"})
    assert built == ["frame.css", "frame.js", "widget.js"]
