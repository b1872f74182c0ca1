"""Request bodies ↔ table columns for rules and heartbeats, whose `channels` field is the `channel_ids` column."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

RENAMED = {"channels": "channel_ids"}


def to_columns(body: BaseModel) -> dict[str, Any]:
    return {RENAMED.get(name, name): value for name, value in body.model_dump(mode="json").items()}


def from_columns(row: object, schema: type[BaseModel]) -> dict[str, Any]:
    """The schema's fields read off a row."""
    return {name: getattr(row, RENAMED.get(name, name)) for name in schema.model_fields}
