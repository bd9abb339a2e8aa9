"""Password hashing with argon2id (cost from settings) and the password rules."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from healthdatahub.config import Settings

MIN_LENGTH = 12
MAX_LENGTH = 256


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=max(memory_kib, 8 * parallelism),
                          parallelism=parallelism, type=Type.ID)


def hasher(settings: Settings) -> PasswordHasher:
    """The argon2id hasher configured by the settings."""
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib,
                   settings.argon2_parallelism)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (an English message id), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return "The password must have at least 12 characters."
    if len(password) > MAX_LENGTH:
        return "The password must have at most 256 characters."
    return None


def hash_password(settings: Settings, password: str) -> str:
    """The argon2id hash of a password."""
    return hasher(settings).hash(password)


def check_password(settings: Settings, stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a missing hash still costs one hashing."""
    if stored is None or len(password) > MAX_LENGTH:
        hasher(settings).hash("timing-equaliser")
        return False
    try:
        return hasher(settings).verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
