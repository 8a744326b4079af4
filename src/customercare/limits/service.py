"""Limits' public face: rate limits (per IP, key, widget key and user) counted in memory or
Redis, and plan quotas as policy over counts the owning domains pass in."""

from __future__ import annotations

from customercare.limits.counters import CounterStore, build_counter_store
from customercare.limits.quotas import (
    DocumentUsage,
    Plan,
    Usage,
    check_documents,
    check_messages,
    enforced_plan,
    has_feature,
    month_bounds,
    usage,
)
from customercare.limits.rate_limits import RateLimitMiddleware, enforce_principal, hit

__all__ = [
    "CounterStore",
    "DocumentUsage",
    "Plan",
    "RateLimitMiddleware",
    "Usage",
    "build_counter_store",
    "check_documents",
    "check_messages",
    "enforce_principal",
    "enforced_plan",
    "has_feature",
    "hit",
    "month_bounds",
    "usage",
]
