"""Sign-in throttling against password guessing: failed attempts are counted per account and
per client address in fixed windows; once either is over its limit, every attempt (even with
the right password) is refused until the window resets."""

from __future__ import annotations

import hashlib

from customercare.errors import RateLimited
from customercare.limits.service import CounterStore
from customercare.settings import Settings

_PREFIX = "auth:sign_in:"


def _account_key(email: str) -> str:
    # A digest keeps addresses out of the counter store.
    return f"{_PREFIX}account:{hashlib.sha256(email.encode()).hexdigest()}"


def _ip_key(ip: str) -> str:
    return f"{_PREFIX}ip:{ip}"


def _limits(settings: Settings, *, email: str, ip: str | None) -> list[tuple[str, str, int]]:
    limits = [("account", _account_key(email), settings.signin_max_failures_per_account)]
    if ip:
        limits.append(("ip", _ip_key(ip), settings.signin_max_failures_per_ip))
    return limits


def reserve(counters: CounterStore, settings: Settings, *, email: str, ip: str | None) -> None:
    """Count this attempt as a failure of the account and of the address before the password
    is checked: one atomic increment each, so concurrent attempts cannot all pass a check
    made before any of them is counted. Over either budget the attempt is refunded and
    refused (429); ``record_success`` refunds it when the password was right."""
    window = settings.signin_window_seconds
    over: list[str] = []
    retry_after = 0
    for scope, key, limit in _limits(settings, email=email, ip=ip):
        counted = counters.hit(key, window_seconds=window)
        if counted.count > limit:
            over.append(scope)
            retry_after = max(retry_after, counted.resets_in)
    if over:
        refund(counters, settings, email=email, ip=ip)
        raise RateLimited(
            "too many failed sign-in attempts; try again later",
            retry_after=retry_after,
            details={"limit": over[0], "window_seconds": window},
        )


def refund(counters: CounterStore, settings: Settings, *, email: str, ip: str | None) -> None:
    """Take back a reservation: the attempt did not fail (or was not made)."""
    for _, key, _ in _limits(settings, email=email, ip=ip):
        counters.hit(key, window_seconds=settings.signin_window_seconds, amount=-1)


def record_success(
    counters: CounterStore, settings: Settings, *, email: str, ip: str | None
) -> None:
    """Forget the account's failures and refund the address's reservation. The address's
    earlier failures stay: signing in to one's own account must not reset the budget for
    guessing at others'."""
    counters.reset(_account_key(email))
    if ip:
        counters.hit(_ip_key(ip), window_seconds=settings.signin_window_seconds, amount=-1)
