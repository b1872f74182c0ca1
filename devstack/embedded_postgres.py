"""PostgreSQL from the `pgserver` wheel: one server per data dir, reached by its Unix socket.
Used by `herald dev` and by the tests when no HERALD_TEST_DATABASE_URL is given."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
from pgserver.postgres_server import PostgresServer, get_server


class EmbeddedPostgres:
    def __init__(self, pgdata: Path) -> None:
        self._server: PostgresServer = get_server(pgdata, cleanup_mode="stop")
        self.socket_dir = str(self._server.get_postmaster_info().socket_dir)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        """pgserver stops the server only when it believes no other process uses it, and a
        process that was SIGKILLed stays on its list forever. The data dir is ours alone, so
        after pgserver's bookkeeping, stop the postmaster ourselves (fast shutdown)."""
        pid = self._server.get_pid()
        self._server.cleanup()
        if pid is None or not psutil.pid_exists(pid):
            return
        os.kill(pid, signal.SIGINT)
        try:
            psutil.Process(pid).wait(timeout=30)
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
