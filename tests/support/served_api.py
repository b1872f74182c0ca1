"""The real app served by uvicorn on 127.0.0.1 in a thread of its own, for peers that need a real
port (schemathesis's synchronous calls, a real Alertmanager's webhooks)."""

from __future__ import annotations

import socket
import threading

import uvicorn

from api.app import create_app
from devstack.ports import free_port
from settings import Settings


class _SignallingServer(uvicorn.Server):
    """uvicorn that says when it listens (it offers a flag to poll, not an event to wait on)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.listening.set()


class ThreadedApi:
    """The app under uvicorn in a thread of its own; `with` gives its base URL."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = _SignallingServer(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        if not self.server.listening.wait(timeout=30):
            raise RuntimeError("the API did not start within 30 s")
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
