"""Password hashing (Argon2id, cost from the settings) and the password policy.

Each hash costs ``argon2_memory_cost`` KiB: thirty concurrent sign-ins once took a server from
0.5 to 1.4 GB. At most ``password_hash_concurrency`` hashes run at once in a process; the
others wait their turn, so a sign-in flood costs time, never the memory of the machine."""

from __future__ import annotations

import string
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from customercare.errors import ValidationFailed
from customercare.settings import Settings

MIN_LENGTH = 10
# Argon2 hashes whatever it is given: a cap keeps one request from costing megabytes of work.
MAX_LENGTH = 1024
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
_POLICY = (
    f"a password needs at least {MIN_LENGTH} characters from at least two kinds "
    "(lower-case, upper-case, digits, other), and must not be the email address"
)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


_T = TypeVar("_T")


@lru_cache(maxsize=4)
def _slots(concurrency: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(concurrency)


@contextmanager
def _hashing_slot(settings: Settings) -> Iterator[None]:
    with _slots(settings.password_hash_concurrency):
        yield


def _bounded(settings: Settings, work: Callable[[], _T]) -> _T:
    with _hashing_slot(settings):
        return work()


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
    )


def hash_password(settings: Settings, password: str) -> str:
    return _bounded(settings, lambda: hasher(settings).hash(password))


def verify_password(settings: Settings, *, password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return hasher(settings).verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return _bounded(settings, verify)


def needs_rehash(settings: Settings, password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current settings'."""
    try:
        return hasher(settings).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("not a real password")


def burn_verification(settings: Settings, password: str) -> None:
    """Verify against a throw-away hash, so an unknown email costs as long as a known one."""
    dummy = _bounded(
        settings,
        lambda: _dummy_hash(
            settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism
        ),
    )
    verify_password(settings, password_hash=dummy, password=password)


def check_policy(password: str, *, email: str) -> None:
    """Raise ValidationFailed (422) with the policy when ``password`` does not meet it."""
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"a password may have at most {MAX_LENGTH} characters")
    kinds = {next((i for i, c in enumerate(_CLASSES) if ch in c), len(_CLASSES)) for ch in password}
    if len(password) < MIN_LENGTH or len(kinds) < 2:
        raise ValidationFailed(_POLICY, details={"min_length": MIN_LENGTH, "min_kinds": 2})
    if password.strip().lower() == email.strip().lower():
        raise ValidationFailed(_POLICY, details={"min_length": MIN_LENGTH, "min_kinds": 2})
