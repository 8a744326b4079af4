"""``/app/widget``: the workspace's widget settings as the widget sees them, its allowed
domains, its publishable keys and the embed snippet to copy. Read only for now (changing the
settings is ``PUT /api/v1/widget/settings``; docs/dashboard.md says what is left). HTTP only:
``widget.service`` and ``tenancy.service`` decide."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from customercare.dashboard.render import finish, page
from customercare.dashboard.web import Browser, as_page, signed_in
from customercare.deps import SessionDep, SettingsDep
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Permission
from customercare.widget import service as widget

__all__ = ["router"]

router = APIRouter(prefix="/app/widget", include_in_schema=False)


@router.get("")
def widget_settings(
    request: Request, browser: Browser, session: SessionDep, settings: SettingsDep
) -> Response:
    person = signed_in(browser)
    principal = person.require(Permission.workspace_read)
    with as_page():
        current = widget.public_settings(
            widget.get_settings(session, workspace_id=principal.workspace_id)
        )
        workspace = tenancy.get_workspace_or_raise(session, workspace_id=principal.workspace_id)
    keys = [
        key
        for key in tenancy.list_api_keys(session, workspace_id=principal.workspace_id)
        if key.kind == "publishable" and key.revoked_at is None
    ]
    base = settings.public_url.rstrip("/")
    key_hint = f"ccgpt_pk_{keys[0].prefix}_..." if keys else "ccgpt_pk_..."
    snippet = f'<script src="{base}/widget.js" data-key="{key_hint}" async></script>'
    response = page(
        "widget.html",
        browser=person,
        current="widget",
        settings=current,
        allowed_domains=workspace.allowed_domains,
        keys=keys,
        snippet=snippet,
    )
    return finish(request, response, person, settings)
