"""The frame's HTML page: no inline script, its configuration as JSON in a
``<script type="application/json">`` (``<``, ``>`` and ``&`` escaped, so no value can close
the element), the frame's script and style from this origin, and a CSP that lets only the
parent origin embed it."""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["error_page", "frame_csp", "frame_page", "safe_lang"]

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")


def safe_lang(value: str | None) -> str:
    """A BCP 47-looking tag (``en``, ``pt-BR``), else ``en``."""
    return value if value and _LANG.match(value) else "en"


def frame_csp(origin: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        f"connect-src 'self'; frame-ancestors {origin}; base-uri 'none'; object-src 'none'"
    )


def _json_for_html(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def frame_page(config: dict[str, Any], *, lang: str, title: str) -> str:
    return (
        "<!doctype html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<link rel="stylesheet" href="/widget/frame.css">\n'
        f'<script id="ccgpt-config" type="application/json">{_json_for_html(config)}</script>\n'
        '<script src="/widget/frame.js" defer></script>\n'
        '</head>\n<body>\n<div id="ccgpt-root"></div>\n</body>\n</html>\n'
    )


def error_page(message: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Chat unavailable</title>\n</head>\n<body>\n"
        f"<p>{html.escape(message)}</p>\n</body>\n</html>\n"
    )
