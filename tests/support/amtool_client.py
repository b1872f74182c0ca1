"""The real amtool (Debian's Alertmanager 0.25) as a client of Herald's Alertmanager API v2: a bearer
credential through `--http.config.file`, JSON output parsed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.support.alertmanager import amtool_binary


class Amtool:
    def __init__(self, directory: Path, url: str, key: str, *, basic: bool = False) -> None:
        self.url = url
        self.http_config = directory / f"amtool-http-{'basic' if basic else 'bearer'}-{key[-8:]}.yml"
        if basic:
            self.http_config.write_text(f"basic_auth:\n  username: grafana\n  password: '{key}'\n")
        else:
            self.http_config.write_text(f"authorization:\n  credentials: '{key}'\n")

    async def run(self, *argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        """amtool's exit code, stdout and stderr."""
        process = await asyncio.create_subprocess_exec(
            amtool_binary(),
            f"--alertmanager.url={self.url}",
            f"--http.config.file={self.http_config}",
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def ok(self, *argv: str, stdin: bytes | None = None) -> str:
        code, out, err = await self.run(*argv, stdin=stdin)
        assert code == 0, f"amtool {' '.join(argv)} exited {code}: {err or out}"
        return out

    async def json(self, *argv: str) -> Any:
        return json.loads(await self.ok("-o", "json", *argv))
