"""How much one document may become: extracted characters, CSV rows and passages (chunks).

The server's settings (``max_extracted_chars``, ``max_csv_rows``,
``max_passages_per_document``) bound every workspace; a workspace's plan may set lower ones
(``extracted_chars``, ``csv_rows``, ``passages_per_document`` in plans.toml) when quotas are
enforced. Over a limit the document fails with the limit's code: nothing is truncated, since
a silently partial document answers wrongly about what it left out (docs/limits.md).

Checked as early as is cheap: characters and rows while extracting at upload (a 4xx before
anything is queued), a lower bound of the passages at upload, the exact passage count after
chunking in the job."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from customercare.errors import TooManyPassages
from customercare.knowledge.extractors import ExtractedDocument, ExtractionLimits
from customercare.limits import service as limits
from customercare.settings import Settings
from customercare.tenancy import service as tenancy

__all__ = [
    "IngestionBounds",
    "bounds_for",
    "check_passage_estimate",
    "check_passages",
    "settings_bounds",
]


@dataclass(frozen=True, slots=True)
class IngestionBounds:
    max_pages: int
    max_chars: int
    max_rows: int
    max_passages: int

    @property
    def extraction(self) -> ExtractionLimits:
        return ExtractionLimits(
            max_pages=self.max_pages, max_chars=self.max_chars, max_rows=self.max_rows
        )


def settings_bounds(settings: Settings) -> IngestionBounds:
    """The server's own limits (no workspace known, or its plan sets none)."""
    return IngestionBounds(
        max_pages=settings.max_pages,
        max_chars=settings.max_extracted_chars,
        max_rows=settings.max_csv_rows,
        max_passages=settings.max_passages_per_document,
    )


def bounds_for(session: Session, settings: Settings, *, workspace_id: str) -> IngestionBounds:
    """The limits of one workspace: the lower of the settings' and its plan's."""
    server = settings_bounds(settings)
    plan = limits.enforced_plan(settings, tenancy.plan_of(session, workspace_id=workspace_id))
    if plan is None:
        return server
    return IngestionBounds(
        max_pages=server.max_pages,
        max_chars=_lower(server.max_chars, plan.extracted_chars),
        max_rows=_lower(server.max_rows, plan.csv_rows),
        max_passages=_lower(server.max_passages, plan.passages_per_document),
    )


def check_passage_estimate(
    document: ExtractedDocument, bounds: IngestionBounds, *, size_words: int
) -> None:
    """Refuse, before chunking, a document that cannot fit: each atomic section (an FAQ row)
    is at least one passage, and a passage holds at most ``size_words`` words, so this lower
    bound never refuses a document that chunking would accept."""
    atomic = sum(1 for section in document.sections if section.atomic)
    words = sum(len(section.text.split()) for section in document.sections if not section.atomic)
    check_passages(atomic + math.ceil(words / size_words), bounds, at_least=True)


def check_passages(count: int, bounds: IngestionBounds, *, at_least: bool = False) -> None:
    if count > bounds.max_passages:
        amount = f"at least {count:,}" if at_least else f"{count:,}"
        raise TooManyPassages(
            f"The document would become {amount} passages; the limit is "
            f"{bounds.max_passages:,} per document. Split it into smaller documents.",
            details={"passages": count, "limit": bounds.max_passages},
        )


def _lower(server: int, plan: int | None) -> int:
    return server if plan is None else min(server, plan)
