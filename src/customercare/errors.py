"""One error hierarchy. Every error has a stable machine-readable ``code`` and an HTTP status;
``app.py`` maps them to the JSON body ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFoundError(AppError):
    code = "not_found"
    status_code = 404


class AuthenticationError(AppError):
    code = "unauthenticated"
    status_code = 401


class PermissionDenied(AppError):
    code = "forbidden"
    status_code = 403


class RateLimited(AppError):
    """Too many requests; ``retry_after`` seconds until the window resets (Retry-After), or
    None when waiting would not help (a quota that only a person can free)."""

    code = "rate_limited"
    status_code = 429

    def __init__(
        self, message: str, *, retry_after: int | None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details={"retry_after": retry_after, **(details or {})})
        self.retry_after = retry_after


class QuotaExceeded(RateLimited):
    """A plan quota is used up; details say which, the limit and when it resets."""

    code = "quota_exceeded"


class InvalidToken(AppError):
    """An unknown, used, expired or mismatched emailed link: one message for every case."""

    code = "invalid_token"
    status_code = 400


class ValidationFailed(AppError):
    code = "invalid_request"
    status_code = 422


class ConflictError(AppError):
    code = "conflict"
    status_code = 409


class ServiceUnavailable(AppError):
    """A dependency does not answer; ``retry_after`` seconds is a sensible wait (Retry-After),
    or None when it is not known."""

    code = "service_unavailable"
    status_code = 503

    def __init__(
        self,
        message: str,
        *,
        retry_after: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class DatabaseUnavailable(ServiceUnavailable):
    """The database does not answer (restarting, unreachable, every connection busy).
    Nothing of the request was committed unless the response says otherwise."""

    code = "database_unavailable"

    def __init__(self, message: str = "the database is unavailable, try again shortly") -> None:
        super().__init__(message, retry_after=2)


class QueueUnavailable(ServiceUnavailable):
    """The job queue (Redis) does not answer."""

    code = "queue_unavailable"

    def __init__(self, message: str = "the job queue is unavailable, try again shortly") -> None:
        super().__init__(message, retry_after=5)


class IngestionError(AppError):
    """Content that cannot become knowledge; ``code`` says why, ``message`` says it to a person."""

    code = "ingestion_failed"
    status_code = 422


class UnsupportedFileType(IngestionError):
    code = "unsupported_file_type"
    status_code = 415


class CorruptFile(IngestionError):
    code = "corrupt_file"


class EncryptedFile(IngestionError):
    code = "encrypted_file"


class EmptyDocument(IngestionError):
    code = "empty_document"


class FileTooLarge(IngestionError):
    code = "file_too_large"
    status_code = 413


class TooManyPages(IngestionError):
    code = "too_many_pages"
    status_code = 413


class TooManyRows(IngestionError):
    """A CSV with more question/answer rows than the workspace may ingest in one document."""

    code = "too_many_rows"
    status_code = 413


class TooMuchText(IngestionError):
    """More extracted characters than the workspace may ingest in one document."""

    code = "too_much_text"
    status_code = 413


class TooManyPassages(IngestionError):
    """The document would become more passages (chunks) than the workspace may hold in one."""

    code = "too_many_passages"
    status_code = 413


class FetchError(IngestionError):
    """A web page or sitemap could not be fetched."""

    code = "fetch_failed"
