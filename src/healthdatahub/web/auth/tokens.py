"""Opaque random tokens (API tokens, invitations) and their stored hashes."""

from __future__ import annotations

import hashlib
import secrets

API_PREFIX = "hdh_"


def new_token(prefix: str = "") -> str:
    """A fresh URL-safe token with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The stored SHA-256 of a token (tokens have enough entropy to need no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    """The first characters of a token, shown so a user can tell tokens apart."""
    return token[: len(API_PREFIX) + 6]
