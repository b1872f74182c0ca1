"""The tenant's own settings (`/api/v1/tenant`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TenantOut(BaseModel):
    id: str
    name: str
    max_silence_duration: str | None = Field(
        description="The longest a silence may last here, as a Prometheus duration (`7d`, `1w`); "
        "null: the global default (`max_silence_duration_ceiling`)"
    )
    max_silence_duration_ceiling: str = Field(
        description="The global HERALD_MAX_SILENCE_DAYS as a duration: the default, and the most a tenant may set"
    )


class TenantUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    max_silence_duration: str | None = Field(
        None,
        description="A Prometheus duration (`12h`, `7d`, `2w`), more than zero and at most the ceiling; "
        "null: back to the global default",
    )
