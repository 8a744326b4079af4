"""The widget's public face: its settings, the frame (page, token), visitors and their
conversations. Routers and ``deps`` import this module only; every function takes the
session and what it needs explicitly, and never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from customercare.errors import PermissionDenied
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.service import Principal, Scope
from customercare.widget.assets import ASSETS, CACHE_CONTROL, Asset, read_asset
from customercare.widget.chats import (
    chat_conversation_id,
    current_conversation,
    get_owned_conversation_or_raise,
    hand_off,
    rate_message,
    remember_conversation,
    start_conversation,
    visitor_typing,
)
from customercare.widget.configuration import (
    IssuedIdentitySecret,
    get_settings,
    rotate_identity_secret,
    update_settings,
)
from customercare.widget.frame_page import error_page, frame_csp, frame_page, safe_lang
from customercare.widget.frame_tokens import (
    FrameGrant,
    authenticate_frame_token,
    issue_frame_token,
    looks_like_frame_token,
    read_frame_token,
)
from customercare.widget.identity import user_hash
from customercare.widget.live_stream import conversation_events
from customercare.widget.models import WidgetSettings, WidgetVisitor
from customercare.widget.schemas import WidgetSettingsPublic
from customercare.widget.visitors import (
    IdentityInvalid,
    IdentityRequired,
    RegisteredVisitor,
    VisitorInvalid,
    get_visitor_by_token_or_raise,
    register_visitor,
)

__all__ = [
    "ASSETS",
    "CACHE_CONTROL",
    "Asset",
    "FrameGrant",
    "FrameSession",
    "IdentityInvalid",
    "IdentityRequired",
    "IssuedIdentitySecret",
    "RegisteredVisitor",
    "VisitorInvalid",
    "WidgetSettings",
    "WidgetVisitor",
    "authenticate_frame_token",
    "chat_conversation_id",
    "conversation_events",
    "current_conversation",
    "error_page",
    "frame_csp",
    "frame_page",
    "frame_principal",
    "get_owned_conversation_or_raise",
    "get_settings",
    "get_visitor_by_token_or_raise",
    "hand_off",
    "issue_frame_token",
    "looks_like_frame_token",
    "open_frame",
    "public_settings",
    "rate_message",
    "read_asset",
    "read_frame_token",
    "register_visitor",
    "remember_conversation",
    "rotate_identity_secret",
    "safe_lang",
    "start_conversation",
    "update_settings",
    "user_hash",
    "visitor_typing",
]


def public_settings(row: WidgetSettings) -> WidgetSettingsPublic:
    return WidgetSettingsPublic.model_validate(row)


def frame_principal(grant: FrameGrant) -> Principal:
    """A frame token acts as its publishable key: chat only, counted per key and visitor."""
    return Principal(
        workspace_id=grant.workspace_id,
        api_key_id=grant.key_id,
        scopes=frozenset({Scope.chat}),
        publishable=True,
    )


@dataclass(frozen=True, slots=True)
class FrameSession:
    """What the frame page carries: its token and the widget's settings."""

    workspace_id: str
    token: str
    origin: str
    settings: WidgetSettingsPublic


def open_frame(session: Session, settings: Settings, *, key: str, origin: str) -> FrameSession:
    """A frame for the page at ``origin`` with the publishable ``key``: the key must be a live
    publishable key and the origin one of its workspace's allowed domains (403 otherwise)."""
    if not tenancy.looks_like_api_key(key):
        raise PermissionDenied("the widget needs a publishable key")
    api_key, workspace = tenancy.authenticate_api_key(session, secret=key)
    if api_key.kind != "publishable":
        raise PermissionDenied("the widget needs a publishable key, never a secret one")
    try:
        canonical = tenancy.normalise_origin(origin)
    except ValueError:
        canonical = ""
    if not canonical or "*" in canonical or not tenancy.origin_allowed(workspace, canonical):
        raise PermissionDenied(
            "this page is not one of the workspace's allowed domains", details={"origin": origin}
        )
    token = issue_frame_token(
        settings, workspace_id=workspace.id, key_id=api_key.id, origin=canonical
    )
    config = public_settings(get_settings(session, workspace_id=workspace.id))
    return FrameSession(workspace_id=workspace.id, token=token, origin=canonical, settings=config)
