"""Where a running `herald dev` can be found: `<data dir>/stack.json`, written once the stack is
up and removed when it stops. Operator commands (`herald api-key create`, `herald init`, ...)
read it to reach the database of the dev stack of the current directory with no setup."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
from pydantic import BaseModel, ValidationError

STATE_FILE = "stack.json"
DEFAULT_DATA_DIR = ".herald"


class StackState(BaseModel):
    pid: int  # the `herald dev` supervisor
    started: float  # its process creation time: a reused pid is not mistaken for it
    data_dir: str
    database_url: str  # the embedded PostgreSQL, by its Unix socket
    temporal_address: str
    api_url: str
    ui_url: str
    inbox_url: str
    tenant: str


def dev_data_dir() -> Path:
    """The data dir `herald dev` uses when run here: `HERALD_DATA_DIR`, else `./.herald`."""
    return Path(os.environ.get("HERALD_DATA_DIR", DEFAULT_DATA_DIR))


def write_state(
    data_dir: Path, *, database_url: str, temporal_address: str, api_url: str, ui_url: str, inbox_url: str, tenant: str
) -> None:
    """Record this process as the stack of `data_dir` (atomically: a reader never sees half a file)."""
    me = psutil.Process()
    state = StackState(
        pid=me.pid,
        started=me.create_time(),
        data_dir=str(data_dir.resolve()),
        database_url=database_url,
        temporal_address=temporal_address,
        api_url=api_url,
        ui_url=ui_url,
        inbox_url=inbox_url,
        tenant=tenant,
    )
    path = data_dir / STATE_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(state.model_dump_json(indent=2) + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)


def clear_state(data_dir: Path) -> None:
    (data_dir / STATE_FILE).unlink(missing_ok=True)


def running_stack(data_dir: Path) -> StackState | None:
    """The stack recorded in `data_dir` if its supervisor is still running; else None (no file,
    an unreadable one, or one left behind by a `herald dev` that was killed)."""
    try:
        state = StackState.model_validate_json((data_dir / STATE_FILE).read_bytes())
    except (OSError, ValidationError):
        return None
    try:
        alive = psutil.Process(state.pid).create_time() == state.started
    except psutil.Error:
        return None
    return state if alive else None
