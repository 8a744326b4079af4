"""Tenant isolation and permissions, proven for every route the application has.

The suite walks the route table. A route that depends on ``deps.authorize(permission)`` acts on a
workspace's data; for each one, with real objects of workspace A in its path:

- workspace B's admin API key gets 404 for an object of A, and a listing without A's data;
- a member of A whose role lacks the permission (``ROLE_PERMISSIONS``) gets 403;
- an API key of A whose scopes lack the permission (``SCOPE_PERMISSIONS``) gets 403;
- no credentials get 401; and A's owner gets neither 401, 403, 404 nor a request-validation
  422, which proves the request itself (path, query, body) is one the route accepts.

A route without ``authorize`` must be listed in ``PUBLIC_ROUTES`` with its reason, and a path
parameter needs a factory in ``FACTORIES``: otherwise the suite fails and says what to add. A
route added later is therefore covered (or refused) without anyone editing this file first.

FastAPI resolves dependencies (``authorize``) before it validates the query and the body, so a
refusal is never a 422; the bodies are still valid (derived from each route's body model and
checked against it) so that the owner's control request shows the route really works."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from customercare.app import create_app
from customercare.conversations import service as conversations
from customercare.db.engine import transaction
from customercare.deps import DocumentsRead
from customercare.mail import NullMailer
from customercare.runtime import Runtime
from customercare.tenancy import service as tenancy
from customercare.tenancy.permissions import (
    ROLE_PERMISSIONS,
    SCOPE_PERMISSIONS,
    Permission,
    Role,
    Scope,
)
from customercare.tenancy.service import Principal
from tests.support.tenancy_people import Person, make_member

# Routes that deliberately do not use ``authorize``: (method, path) -> why that is safe.
# The dashboard's pages: the session cookie is the credential; every page resolves the principal
# with deps.resolve_principal and checks its permission (BrowserSession.require); tenant
# isolation per page: tests/integration/dashboard.
DASHBOARD = "dashboard page: cookie session, deps.resolve_principal + BrowserSession.require"
PUBLIC_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/app"): DASHBOARD,
    ("GET", "/app/sign-in"): DASHBOARD,
    ("POST", "/app/sign-in"): DASHBOARD,
    ("POST", "/app/sign-out"): DASHBOARD,
    ("POST", "/app/workspace"): DASHBOARD,
    ("POST", "/app/workspaces"): DASHBOARD,
    ("GET", "/app/knowledge"): DASHBOARD,
    ("POST", "/app/knowledge/upload"): DASHBOARD,
    ("GET", "/app/knowledge/{document_id}"): DASHBOARD,
    ("POST", "/app/knowledge/{document_id}/reindex"): DASHBOARD,
    ("POST", "/app/knowledge/{document_id}/delete"): DASHBOARD,
    ("POST", "/app/knowledge/test"): DASHBOARD,
    ("GET", "/app/inbox"): DASHBOARD,
    ("GET", "/app/inbox/queue"): DASHBOARD,
    ("GET", "/app/inbox/events"): DASHBOARD,
    ("GET", "/app/inbox/{conversation_id}"): DASHBOARD,
    ("POST", "/app/inbox/{conversation_id}/claim"): DASHBOARD,
    ("POST", "/app/inbox/{conversation_id}/reply"): DASHBOARD,
    ("POST", "/app/inbox/{conversation_id}/resolve"): DASHBOARD,
    ("GET", "/app/widget"): DASHBOARD,
    ("WEBSOCKET", "/app/static"): DASHBOARD,
    ("GET", "/healthz"): "liveness probe, no data",
    ("GET", "/readyz"): "readiness probe, no data",
    ("GET", "/openapi.json"): "API description, no data",
    ("GET", "/docs"): "API documentation page",
    ("GET", "/docs/oauth2-redirect"): "API documentation page",
    ("GET", "/redoc"): "API documentation page",
    ("GET", "/docs/assets/{name}"): "the documentation pages' scripts and styles (four files)",
    ("POST", "/api/v1/auth/sign-up"): "creating an account needs no account",
    ("POST", "/api/v1/auth/verify-email"): "the emailed single-use token is the credential",
    ("POST", "/api/v1/auth/sign-in"): "the password is the credential (throttled)",
    ("POST", "/api/v1/auth/refresh"): "the refresh token is the credential",
    ("POST", "/api/v1/auth/sign-out"): "the refresh or access token is the credential",
    ("POST", "/api/v1/auth/password-reset/request"): "always 202, discloses nothing",
    ("POST", "/api/v1/auth/password-reset"): "the emailed single-use token is the credential",
    ("GET", "/api/v1/auth/me"): "a person's own profile: access token, no workspace",
    ("POST", "/api/v1/workspaces"): "a signed-in person creates a workspace they will own",
    ("POST", "/api/v1/invitations/accept"): "signed-in person + token sent to their address",
    ("WEBSOCKET", "/api/v1/chat/ws"): (
        "authenticates in the handler with deps.resolve_principal and requires chat "
        "(tests/integration/answers/test_chat_websocket.py)"
    ),
    ("GET", "/metrics"): (
        "a bearer token (CCGPT_METRICS_TOKEN) or a direct loopback client, checked in the "
        "handler; no workspace data (tests/integration/observability/test_metrics.py)"
    ),
    ("GET", "/widget.js"): "the widget's loader script, a static file",
    ("GET", "/widget/frame.js"): "the widget frame's script, a static file",
    ("GET", "/widget/frame.css"): "the widget frame's styles, a static file",
    ("GET", "/widget/frame"): (
        "checks the publishable key and the allowed origin in the handler "
        "(tests/integration/widget/test_frame.py)"
    ),
    ("GET", "/api/v1/widget/settings"): (
        "a publishable key from an allowed origin, a frame token or a member, checked in the "
        "handler (tests/integration/widget/test_settings.py)"
    ),
    ("WEBSOCKET", "/api/v1/widget/ws"): (
        "authenticates the frame token and the visitor in the handler "
        "(tests/integration/widget/test_socket.py)"
    ),
}

# Protected routes whose tenancy needs more than a workspace credential, so the generic
# requests below cannot reach them: (method, path) -> where their isolation is proven.
COVERED_ELSEWHERE: dict[tuple[str, str], str] = {
    (method, f"/api/v1/widget{path}"): (
        "also needs the visitor's token (X-Visitor-Token); visitor and workspace isolation: "
        "tests/integration/widget/test_visitors.py"
    )
    for method, path in (
        ("GET", "/conversation"),
        ("POST", "/conversations"),
        ("POST", "/chat"),
        ("GET", "/events"),
        ("POST", "/messages/{message_id}/feedback"),
        ("POST", "/handoff"),
        ("POST", "/typing"),
    )
}

# Server-Sent Events never end: only the status, the headers and the first line are read.
STREAMS = {
    ("GET", "/api/v1/inbox/events"),
    ("GET", "/api/v1/conversations/{conversation_id}/events"),
}

# Bodies (and query strings) a schema cannot guess: uploads, URLs that must not leave the
# machine, requests whose meaning needs more than their types.
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/documents"): {"files": {"file": ("note.md", b"# Note\n\nHello.\n")}},
    ("PUT", "/api/v1/documents/{document_id}/content"): {
        "files": {"file": ("note.md", b"# Note\n\nReplaced.\n")}
    },
    # Port 9 on loopback refuses at once: nothing is fetched from the Internet.
    ("POST", "/api/v1/documents/web"): {"json": {"url": "http://127.0.0.1:9/"}},
    ("POST", "/v1/chat/completions"): {
        "json": {"messages": [{"role": "user", "content": "How do refunds work?"}]}
    },
    ("POST", "/api/v1/chat"): {"json": {"message": "How do refunds work?"}},
    ("GET", "/api/v1/search"): {"params": {"q": "refunds"}},
    ("PUT", "/api/v1/widget/settings"): {
        "json": {
            "title": "Help",
            "greeting": "Hi!",
            "suggested_questions": [],
            "primary_color": "#2563eb",
            "text_color": "#ffffff",
            "position": "bottom-right",
            "launcher_text": "Chat",
            "show_branding": True,
            "verified_visitors": False,
        }
    },
}

MARKER = "Zanzibar"  # in workspace A's document: must never reach workspace B


@dataclass
class World:
    """Workspace A (with its owner, its admin key and its objects) and workspace B."""

    runtime: Runtime
    client: TestClient
    a_id: str
    a_key: str
    owner: Person
    b_key: str
    objects: dict[str, str] = field(default_factory=dict)
    document_text: str = ""

    def secrets_of_a(self) -> list[str]:
        return [self.a_id, self.a_key, self.owner.user_id, self.owner.email, *self.objects.values()]

    def key_of_a(self, scopes: list[Scope]) -> str:
        with transaction(self.runtime.sessions) as session:
            issued = tenancy.create_api_key(
                session, workspace_id=self.a_id, name="scoped", scopes=scopes
            )
        return issued.secret


def _document(world: World) -> str:
    text = f"# Pricing\n\nThe {MARKER} discount is {uuid.uuid4().hex}.\n".encode()
    response = world.client.post(
        "/api/v1/documents",
        headers={"Authorization": f"Bearer {world.a_key}"},
        files={"file": ("pricing.md", text)},
    )
    assert response.status_code == 202, response.text
    document_id: str = response.json()["document"]["id"]
    return document_id


def _conversation(world: World) -> str:
    with transaction(world.runtime.sessions) as session:
        conversation = conversations.start_conversation(
            session, workspace_id=world.a_id, channel="api", visitor_id="visitor-a"
        )
        conversations.add_user_message(
            session, conversation=conversation, content=f"{MARKER} question"
        )
        return conversation.id


def _message(world: World) -> str:
    conversation_id = world.objects.get("conversation_id") or _conversation(world)
    world.objects["conversation_id"] = conversation_id
    with transaction(world.runtime.sessions) as session:
        conversation = conversations.get_conversation_or_raise(
            session, workspace_id=world.a_id, conversation_id=conversation_id
        )
        reply = conversations.AssistantReply(
            content=f"{MARKER} answer",
            status="complete",
            decision="answer",
            confidence=0.9,
            provider="offline",
            citations=[],
            timings_ms={},
            latency_ms=1.0,
        )
        message = conversations.add_assistant_message(
            session, conversation=conversation, reply=reply
        )
        return message.id


def _user(world: World) -> str:
    return make_member(world.runtime, workspace_id=world.a_id, role=Role.agent).user_id


def _key(world: World) -> str:
    with transaction(world.runtime.sessions) as session:
        return tenancy.create_api_key(session, workspace_id=world.a_id, name="victim").key.id


def _invitation(world: World) -> str:
    with transaction(world.runtime.sessions) as session:
        issued = tenancy.create_invitation(
            session,
            settings=world.runtime.settings,
            mailer=NullMailer(),
            email=f"invitee-{uuid.uuid4().hex[:8]}@example.com",
            role=Role.agent,
            actor=Principal(world.a_id, user_id=world.owner.user_id, role=Role.owner),
            valid_for=timedelta(days=1),
        )
        return issued.invitation.id


# Path parameter name -> a factory that creates such an object in workspace A, returning its id.
FACTORIES: dict[str, Callable[[World], str]] = {
    "document_id": _document,
    "conversation_id": _conversation,
    "message_id": _message,
    "user_id": _user,
    "key_id": _key,
    "invitation_id": _invitation,
}


# The route table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str
    permission: Permission | None
    path_params: tuple[str, ...]
    route: Any = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _permission(dependant: Any) -> Permission | None:
    for dependency in dependant.dependencies:
        found: Permission | None = getattr(dependency.call, "permission", None)
        if found is None:
            found = _permission(dependency)
        if found is not None:
            return found
    return None


def collect_routes(app: FastAPI) -> tuple[list[RouteCase], list[tuple[str, str]]]:
    """Every HTTP route with its permission, and every (method, path) of the other routes."""
    cases: list[RouteCase] = []
    others: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = context.path or getattr(original, "path", "")
        if not isinstance(original, APIRoute):
            methods = sorted(getattr(context, "methods", None) or {"WEBSOCKET"})
            others += [(method, path) for method in methods if method != "HEAD"]
            continue
        dependant = context.dependant
        for method in sorted(context.methods - {"HEAD"}):
            cases.append(
                RouteCase(
                    method=method,
                    path=path,
                    permission=_permission(dependant),
                    # From the path: a parameter may be read by a dependency, not the route.
                    path_params=tuple(re.findall(r"\{(\w+)", path)),
                    route=context,
                )
            )
    return cases, others


def unlisted(cases: list[RouteCase], others: list[tuple[str, str]]) -> list[str]:
    found = [
        c.id for c in cases if c.permission is None and (c.method, c.path) not in PUBLIC_ROUTES
    ]
    return found + [f"{m} {p}" for m, p in others if (m, p) not in PUBLIC_ROUTES]


ALL_ROUTES, OTHER_ROUTES = collect_routes(create_app())
PROTECTED = [
    case
    for case in ALL_ROUTES
    if case.permission is not None and (case.method, case.path) not in COVERED_ELSEWHERE
]


def _lacking_role(permission: Permission) -> Role | None:
    for role in (Role.viewer, Role.agent, Role.admin, Role.owner):
        if permission not in ROLE_PERMISSIONS[role]:
            return role
    return None


def _lacking_scope(permission: Permission) -> Scope:
    for scope in Scope:
        if permission not in SCOPE_PERMISSIONS[scope]:
            return scope
    raise AssertionError(f"every scope grants {permission}")


def _params(cases: list[RouteCase]) -> list[Any]:
    return [pytest.param(case, id=case.id) for case in cases]


# Requests -------------------------------------------------------------------------------------


def example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A minimal instance of a JSON schema: required properties only, the first enum value."""
    if "$ref" in schema:
        return example(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if s.get("type") != "null"]
            return example(options[0], defs)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties[name], defs) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), defs) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        formats = {
            "email": "someone@example.com",
            "uri": "http://127.0.0.1:9/",
            "date-time": "2026-01-01T00:00:00Z",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        return "x" * max(schema.get("minLength", 1), 1)
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 0.5)
    if kind == "boolean":
        return False
    return None


def request_for(case: RouteCase, ids: dict[str, str]) -> dict[str, Any]:
    """Method, URL, query and body of a valid request to ``case`` on the objects ``ids``."""
    url = re.sub(r"\{(\w+)(:\w+)?\}", lambda match: ids[match.group(1)], case.path)
    kwargs: dict[str, Any] = {"method": case.method, "url": url}
    override = REQUESTS.get((case.method, case.path))
    if override is not None:
        return kwargs | override
    route = case.route
    query = {}
    for param in route.dependant.query_params:
        if param.field_info.is_required():
            adapter = TypeAdapter(param.field_info.annotation)
            query[param.alias] = example(adapter.json_schema(), {})
    if query:
        kwargs["params"] = query
    body_field = route.body_field
    if body_field is None:
        return kwargs
    if any(isinstance(p.field_info, params.Form) for p in route.dependant.body_params):
        pytest.fail(
            f"{case.id} takes a form or a file: add a request to REQUESTS in "
            "tests/security/test_route_isolation.py"
        )
    adapter = TypeAdapter(body_field.field_info.annotation)
    schema = adapter.json_schema()
    body = example(schema, schema.get("$defs", {}))
    try:
        adapter.validate_python(body)
    except ValueError as error:
        pytest.fail(
            f"cannot derive a valid body for {case.id} ({error}): add one to REQUESTS in "
            "tests/security/test_route_isolation.py"
        )
    kwargs["json"] = body
    return kwargs


@pytest.fixture
def world(runtime: Runtime, client: TestClient, make_tenant: Any) -> World:
    a, b = make_tenant("Workspace A"), make_tenant("Workspace B")
    owner = make_member(runtime, workspace_id=a.workspace_id, role=Role.owner)
    return World(runtime, client, a.workspace_id, a.api_key, owner, b.api_key)


def objects_for(world: World, case: RouteCase) -> dict[str, str]:
    for name in case.path_params:
        factory = FACTORIES.get(name)
        if factory is None:
            pytest.fail(
                f"{case.id}: no factory for the path parameter {name!r}. Add one to FACTORIES "
                "in tests/security/test_route_isolation.py that creates such an object in "
                "workspace A and returns its id."
            )
        if name not in world.objects:
            world.objects[name] = factory(world)
    return {name: world.objects[name] for name in case.path_params}


@dataclass
class StreamReply:
    """What was read of a stream: all of a refusal, the first line of an accepted stream."""

    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def send(world: World, case: RouteCase, headers: dict[str, str]) -> Any:
    request = request_for(case, objects_for(world, case))
    if (case.method, case.path) not in STREAMS:
        return world.client.request(**request, headers=headers)
    with world.client.stream(**request, headers=headers) as stream:
        if stream.status_code != 200:
            return StreamReply(stream.status_code, stream.read().decode())
        return StreamReply(200, next(stream.iter_lines()))


def is_request_validation_error(response: Any) -> bool:
    if response.status_code != 422:
        return False
    details = response.json().get("error", {}).get("details", {})
    return isinstance(details, dict) and "errors" in details


# The route table itself -----------------------------------------------------------------------


def test_every_route_is_protected_or_listed_as_public() -> None:
    missing = unlisted(ALL_ROUTES, OTHER_ROUTES)
    assert not missing, (
        "these routes neither use deps.authorize(...) nor are listed in PUBLIC_ROUTES "
        f"(tests/security/test_route_isolation.py): {missing}"
    )


def test_a_new_route_is_either_covered_or_refused() -> None:
    app = create_app()

    @app.get("/api/v1/gadgets")
    def list_gadgets() -> list[str]:  # forgot authorize: must be named
        return []

    @app.get("/api/v1/gadgets/{gadget_id}")
    def get_gadget(gadget_id: str, principal: DocumentsRead) -> str:
        return gadget_id

    cases, others = collect_routes(app)
    assert unlisted(cases, others) == ["GET /api/v1/gadgets"]
    [covered] = [c for c in cases if c.path == "/api/v1/gadgets/{gadget_id}"]
    assert covered.permission is Permission.documents_read
    with pytest.raises(pytest.fail.Exception, match="FACTORIES"):
        objects_for(World.__new__(World), covered)


def test_public_routes_still_exist() -> None:
    existing = {(c.method, c.path) for c in ALL_ROUTES} | set(OTHER_ROUTES)
    stale = sorted((set(PUBLIC_ROUTES) | set(COVERED_ELSEWHERE) | STREAMS) - existing)
    assert not stale, f"PUBLIC_ROUTES lists routes that no longer exist: {stale}"


def test_every_path_parameter_has_a_factory() -> None:
    missing = sorted(
        {f"{name} ({case.id})" for case in PROTECTED for name in case.path_params}
        - {
            f"{name} ({case.id})"
            for case in PROTECTED
            for name in case.path_params
            if name in FACTORIES
        }
    )
    assert not missing, (
        f"path parameters without a factory: {missing}. Add one to FACTORIES in "
        "tests/security/test_route_isolation.py."
    )


def test_the_suite_sees_the_routes_it_must() -> None:
    ids = {case.id for case in PROTECTED}
    assert {"GET /api/v1/documents/{document_id}", "POST /api/v1/chat"} <= ids
    assert len(PROTECTED) >= 25


# Per route ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(PROTECTED))
def test_another_workspaces_admin_key_never_reaches_workspace_a(
    world: World, case: RouteCase
) -> None:
    response = send(world, case, {"Authorization": f"Bearer {world.b_key}"})
    if case.path_params:
        assert response.status_code == 404, (case.id, response.status_code, response.text)
        assert response.json()["error"]["code"] == "not_found"
    else:
        # B's own data, or a refusal of B's request: never a malformed request nor a bad key.
        assert not is_request_validation_error(response), response.text
        assert response.status_code != 401, (case.id, response.text)
    # An id the caller put in the path may be echoed in the 404; nothing else of A may appear.
    asked = set(objects_for(world, case).values())
    leaked = [v for v in world.secrets_of_a() if v in response.text and v not in asked]
    assert not leaked, f"{case.id} showed workspace A's {leaked} to workspace B"
    assert MARKER not in response.text


@pytest.mark.parametrize(
    "case", _params([c for c in PROTECTED if c.permission and _lacking_role(c.permission)])
)
def test_a_member_whose_role_lacks_the_permission_gets_403(world: World, case: RouteCase) -> None:
    assert case.permission is not None
    role = _lacking_role(case.permission)
    assert role is not None
    member = make_member(world.runtime, workspace_id=world.a_id, role=role)
    response = send(world, case, member.headers(world.a_id))
    assert response.status_code == 403, (case.id, role, response.status_code, response.text)
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("case", _params(PROTECTED))
def test_a_key_whose_scopes_lack_the_permission_gets_403(world: World, case: RouteCase) -> None:
    assert case.permission is not None
    key = world.key_of_a([_lacking_scope(case.permission)])
    response = send(world, case, {"Authorization": f"Bearer {key}"})
    assert response.status_code == 403, (case.id, response.status_code, response.text)
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("case", _params(PROTECTED))
def test_no_credentials_get_401(world: World, case: RouteCase) -> None:
    response = send(world, case, {})
    assert response.status_code == 401, (case.id, response.status_code, response.text)


@pytest.mark.parametrize("case", _params(PROTECTED))
def test_workspace_a_owner_is_let_through(world: World, case: RouteCase) -> None:
    """The control: the same request by A's owner is accepted, so the refusals above are the
    permission checks at work, not a wrong path, query or body."""
    response = send(world, case, world.owner.headers(world.a_id))
    assert response.status_code not in (401, 403, 404), (case.id, response.text)
    assert not is_request_validation_error(response), (case.id, response.text)
