"""`herald dev`'s inbox: a local webhook receiver, so a first notification arrives on this machine
with no account anywhere.

Any `POST` is kept (the last 100, newest first, at `GET /`), appended to `<data dir>/inbox.jsonl`
and told in one line on `herald dev`'s terminal: a Herald webhook body as its event, severity,
title and alert link; anything else as its path and size. Run by the supervisor as a child:
`python -m devstack.inbox --port N --data-dir D`.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.timestamps import utc_text

KEPT = 100


def describe(path: str, body: bytes) -> str:
    """One line for the terminal: what arrived, without its whole body."""
    try:
        payload = json.loads(body)
        alert = payload["alert"]
        link = payload.get("links", {}).get("api", "")
        return f"{payload['event']} [{alert['severity']}] {alert['title']!r} → {path}  {link}".rstrip()
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"POST {path} ({len(body)} bytes)"


class Inbox:
    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.kept: deque[dict[str, Any]] = deque(maxlen=KEPT)

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        try:
            content: Any = json.loads(body)
        except ValueError:
            content = body.decode(errors="replace")
        entry = {
            "received_at": utc_text(datetime.now(UTC)),
            "path": request.url.path,
            "event": request.headers.get("x-herald-event"),
            "idempotency_key": request.headers.get("idempotency-key"),
            "body": content,
        }
        self.kept.appendleft(entry)
        with self.journal.open("a") as journal:
            journal.write(json.dumps(entry) + "\n")
        print(f"herald dev: inbox ← {describe(request.url.path, body)}", flush=True)
        return JSONResponse({"ok": True})

    async def listing(self, request: Request) -> Response:
        return JSONResponse(list(self.kept))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.listing, methods=["GET"]),
                Route("/{path:path}", self.receive, methods=["POST"]),
            ]
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.inbox")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    inbox = Inbox(args.data_dir / "inbox.jsonl")
    uvicorn.run(inbox.app(), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
