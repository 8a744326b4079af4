"""``ccgpt openapi``: the app's OpenAPI document, and a Postman collection made from it."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from customercare.cli.context import console

app = typer.Typer(help="The API's OpenAPI document and what is made from it.", no_args_is_help=True)

OutOption = typer.Option(None, "--out", "-o", help="Write to this file (default: stdout).")


def _document() -> dict[str, object]:
    from customercare.app import create_app

    return create_app().openapi()


def _write(content: dict[str, object], out: Path | None) -> None:
    text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}")


@app.command("json")
def json_(out: Path | None = OutOption) -> None:
    """The OpenAPI document (what /openapi.json serves)."""
    _write(_document(), out)


@app.command("postman")
def postman(
    out: Path | None = OutOption,
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", "--base-url", help="Default value of the baseUrl variable."
    ),
) -> None:
    """A Postman v2.1 collection: a folder per tag, bearer auth {{apiKey}}, example bodies and
    a status and content-type test per request. No secret is written: set apiKey when running."""
    from customercare.delivery.postman import collection_from_openapi
    from customercare.openapi import PUBLIC

    collection = collection_from_openapi(_document(), public=PUBLIC, base_url=base_url)
    _write(collection, out)
