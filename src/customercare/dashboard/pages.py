"""Which dashboard pages a person sees, decided in one place from the one permission table
(``tenancy/permissions.py``): a page is shown, and served, when the person's role has its
permission in the current workspace; the actions on a page need their own permission (a
viewer reads, the forms that change things are hidden and refused server-side)."""

from __future__ import annotations

from dataclasses import dataclass

from customercare.tenancy.service import Permission

__all__ = ["PAGES", "Page", "visible_pages"]


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    label: str
    path: str
    permission: Permission


PAGES = (
    Page("knowledge", "Knowledge", "/app/knowledge", Permission.documents_read),
    Page("inbox", "Inbox", "/app/inbox", Permission.conversations_read),
    Page("widget", "Widget", "/app/widget", Permission.workspace_read),
)


def visible_pages(allowed: frozenset[Permission]) -> list[Page]:
    return [page for page in PAGES if page.permission in allowed]
