"""Errors of the data layer, each a sentence the caller can show; `api/errors.py` maps them to HTTP.

InvalidQuery   a filter, sort or cursor that cannot be used        → 422 naming the field
NotFound       no such row in the caller's tenant                  → 404
Conflict       a write that breaks a uniqueness rule (name, email) → 409
"""

from __future__ import annotations


class InvalidQuery(ValueError):
    """A filter, sort or cursor the caller sent cannot be used (→ 422 naming `field`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """The row the caller named is not in its tenant (another tenant's row is not found either)."""


class Conflict(Exception):
    """A write that would break a uniqueness rule; the message names the field."""

    @classmethod
    def named(cls, what: str, name: str) -> Conflict:
        return cls(f"name: a {what} named {name!r} already exists")
