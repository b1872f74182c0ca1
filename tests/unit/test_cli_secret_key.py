"""`herald api` and `herald worker` refuse to start without the key that seals channel secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "key", "says"),
    [
        (["api", "--port", "0"], None, "HERALD_SECRET_KEY is not set"),
        (["worker"], None, "HERALD_SECRET_KEY is not set"),
        (["worker"], "not-a-fernet-key", "HERALD_SECRET_KEY is not a valid key"),
    ],
)
def test_missing_or_bad_secret_key_is_a_clear_start_up_error(argv: list[str], key: str | None, says: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HERALD_SECRET_KEY"}
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{free_port()}"  # nothing listens: it must fail before connecting
    if key is not None:
        env["HERALD_SECRET_KEY"] = key
    if argv[0] == "api":
        argv = ["api", "--port", str(free_port())]
    done = subprocess.run(
        [sys.executable, "-m", "cli", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert says in done.stderr and "herald secret-key" in done.stderr and "Traceback" not in done.stderr


def test_secret_key_command_prints_a_usable_key() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "secret-key"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    from models.secrets import SecretBox

    box = SecretBox(done.stdout.strip())
    assert box.open(box.seal({"password": "p"})) == {"password": "p"}
