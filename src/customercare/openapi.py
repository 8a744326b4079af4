"""The OpenAPI document tells the truth about errors, in one place.

FastAPI declares only each route's success status (and a 422 whose body is not ours), so a
client generator or a contract tester (schemathesis) met 401, 403, 404, 409, 422 and 429
responses the document never mentioned. :func:`install_openapi` makes ``app.openapi()`` add,
to every operation, the statuses it can answer with, each with the JSON error body of
``errors.py``:

- every ``/api/...`` and ``/v1/...`` operation: 429 (the per-IP limit);
- every authenticated operation (all but :data:`PUBLIC`): 401, 403, and 404 (a user who is not
  a member of the ``X-Workspace-Id`` workspace is told it does not exist);
- an operation with a path parameter: 404; with parameters or a body: 422; with a body: 400
  (JSON that is not UTF-8, broken multipart: refused by FastAPI before validation);
- the few statuses particular to one operation: :data:`EXTRA_STATUSES`.

It also answers the other contract finding: a 405 carries an ``Allow`` header listing every
method of the path (:func:`allowed_methods`), not only those of the first route that matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.routing import Match

__all__ = ["EXTRA_STATUSES", "PUBLIC", "ErrorBody", "allowed_methods", "install_openapi"]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable: not_found, rate_limited, ...")
    message: str = Field(description="for a person")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


# Operations anyone may call (no credential): everything else is authenticated.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("post", "/api/v1/auth/sign-up"),
        ("post", "/api/v1/auth/verify-email"),
        ("post", "/api/v1/auth/sign-in"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/password-reset/request"),
        ("post", "/api/v1/auth/password-reset"),
    }
)
_RATE_LIMITED_PREFIXES = ("/api/", "/v1/")

# Statuses one operation has on top of the rules above, and why.
EXTRA_STATUSES: dict[tuple[str, str], dict[int, str]] = {
    ("get", "/readyz"): {503: "the database, the vector store or Redis does not answer"},
    ("post", "/api/v1/auth/sign-up"): {409: "the email address cannot be used"},
    ("post", "/api/v1/auth/verify-email"): {400: "the link is invalid or expired"},
    ("post", "/api/v1/auth/sign-in"): {401: "wrong email or password", 403: "account disabled"},
    ("post", "/api/v1/auth/refresh"): {401: "the refresh token is invalid, used or revoked"},
    ("post", "/api/v1/auth/password-reset"): {400: "the link is invalid or expired"},
    ("post", "/api/v1/invitations/accept"): {
        400: "the invitation is invalid or expired",
        409: "the invitation was already accepted",
    },
    ("post", "/api/v1/documents"): {
        409: "a conflicting document exists",
        413: "the file is too large",
        415: "the file type is not supported",
    },
    ("put", "/api/v1/documents/{document_id}/content"): {
        409: "the document is being replaced",
        413: "the file is too large",
        415: "the file type is not supported",
    },
    ("post", "/api/v1/documents/web"): {413: "a page is too large"},
    # Found by the live DAST run (nox -s dast): conversations/handoff.py refuses these with 409.
    ("post", "/api/v1/conversations/{conversation_id}/claim"): {
        409: "the conversation is not waiting for an agent, or another agent holds it"
    },
    ("post", "/api/v1/conversations/{conversation_id}/agent-messages"): {
        409: "the conversation is not handed off, or another agent holds it"
    },
    ("post", "/api/v1/conversations/{conversation_id}/resolve"): {
        409: "the conversation is neither handed off nor assigned"
    },
    ("patch", "/api/v1/workspace/members/{user_id}"): {409: "the last owner cannot be demoted"},
    ("delete", "/api/v1/workspace/members/{user_id}"): {409: "the last owner cannot be removed"},
    ("post", "/api/v1/workspace/leave"): {409: "the last owner cannot leave"},
}

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, invalid or expired credentials",
    403: "The credential does not allow this",
    404: "Not found (or not visible to this credential)",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "The request is not valid",
    429: "Rate limit or quota exceeded (see Retry-After)",
    503: "A dependency is unavailable",
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def statuses_for(method: str, path: str, operation: dict[str, Any]) -> dict[int, str]:
    """The error statuses ``method path`` can answer with, and a description of each."""
    found: dict[int, str] = {}
    if path.startswith(_RATE_LIMITED_PREFIXES):
        found[429] = _DESCRIPTIONS[429]
    if (method, path) not in PUBLIC:
        for status in (401, 403, 404):
            found[status] = _DESCRIPTIONS[status]
    parameters = operation.get("parameters", [])
    if any(parameter.get("in") == "path" for parameter in parameters):
        found[404] = _DESCRIPTIONS[404]
    if parameters or "requestBody" in operation:
        found[422] = _DESCRIPTIONS[422]
    if "requestBody" in operation:
        found[400] = "The body could not be parsed (JSON that is not UTF-8, broken multipart)"
    if (method, path) != ("get", "/healthz"):
        found[503] = "The database or the job queue is unavailable (see Retry-After)"
    for status, why in EXTRA_STATUSES.get((method, path), {}).items():
        found[status] = f"{_DESCRIPTIONS.get(status, 'Error')}: {why}"
    return found


def declare_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses and the ``ErrorBody`` schema to an OpenAPI ``document``."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    body_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body_schema.pop("$defs", {}))
    schemas["ErrorBody"] = body_schema
    # FastAPI's own 422 body (HTTPValidationError) is not what errors.py sends.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status, description in sorted(statuses_for(method, path, operation).items()):
                responses[str(status)] = {
                    "description": description,
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) declare the error responses."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = declare_errors(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(request: Request) -> str:
    """The ``Allow`` value for a 405: every method of the path template the URL matched.

    Starlette lists only the methods of the one route that matched, so ``/api/v1/documents``
    (a GET route and a POST route) answered ``OPTIONS`` with ``Allow: POST``."""
    routes = list(_flatten(request.app.router.routes))
    for route in routes:
        methods = getattr(route, "methods", None)
        if not methods:
            continue
        match, _ = route.matches({**request.scope, "method": next(iter(methods))})
        if match is Match.FULL:
            template = getattr(route, "path", None)
            allowed: set[str] = set()
            for other in routes:
                if getattr(other, "path", None) == template:
                    allowed.update(getattr(other, "methods", None) or ())
            return ", ".join(sorted(allowed))
    return ""


def _flatten(routes: Iterable[Any]) -> Iterator[Any]:
    """Routes in matching order, those of included routers too (FastAPI includes lazily)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route
