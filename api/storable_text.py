"""Text PostgreSQL cannot store is a 422 naming its field, for every endpoint, before routing.

A NUL character, a lone UTF-16 surrogate (`"\\udfff"` in JSON) or bytes that are not UTF-8 could
otherwise reach a key hash, a Temporal payload or the database and fail there: a 500 for a label
value, while the same character in a title was a 422 (pydantic's string check) and in a metrics
push a 400 (its JSON parser). One check here covers every JSON body and every query string, so
no field of any endpoint can forget it (`models/text.py` says what is refused and why). Path
parameters are covered by `strict_paths` (a control character is a 404); text bodies (metric
exposition) are checked by their parser, which names the line.

The JSON check costs a scan for the escapes that can spell such text (`\\u0000`, `\\ud800` to
`\\udfff`) and, for a non-ASCII body, a UTF-8 decode; only a body that has one is parsed here, to
name the field.
"""

from __future__ import annotations

import json
import re
from email.message import Message as MimeType
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.text import first_unstorable, unstorable

_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_ESCAPED_BYTE = re.compile(r"\\udc[89a-f][0-9a-f]")  # how `unstorable` names a byte surrogateescape kept


def _is_json(scope: Scope) -> bool:
    """FastAPI reads a body as JSON when it says so, or says nothing."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = MimeType()
            media["content-type"] = value.decode("latin-1")
            subtype = media.get_content_subtype()
            return media.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
    return True


def query_problem(query_string: bytes) -> tuple[str, str] | None:
    """(parameter, why) for a query parameter that cannot be stored, decoded as Starlette decodes it."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        problem = unstorable(name)
        if problem:
            return ("query", f"a parameter name {problem}")
        problem = unstorable(value)
        if problem:
            return (name, problem)
    return None


def json_problem(body: bytes) -> tuple[str, str] | None:
    """(field, why) for a JSON body holding text that cannot be stored; None also for malformed JSON
    in valid UTF-8 (the route answers that with its own 400)."""
    if body.isascii():
        if _SUSPECT_ESCAPE.search(body) is None:
            return None
        text = body.decode("ascii")
        not_utf8 = None
    else:
        try:
            text = body.decode("utf-8")
            not_utf8 = None
            if _SUSPECT_ESCAPE.search(body) is None:
                return None
        except UnicodeDecodeError as err:
            text = body.decode("utf-8", "surrogateescape")  # each bad byte becomes a lone surrogate
            not_utf8 = err
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # malformed, or nested past the parser's depth: the route's 400
        return ("body", f"not valid UTF-8 (byte {not_utf8.start})") if not_utf8 else None
    try:
        found = first_unstorable(document)
    except RecursionError:  # a 500 before: parsed, but nested too deeply to walk
        return ("body", "is nested too deeply to be checked")
    if found and not_utf8 is not None:
        field, why = found
        if _ESCAPED_BYTE.search(why):
            return (field, "holds bytes that are not valid UTF-8")
    if found is None and not_utf8 is not None:
        return ("body", f"not valid UTF-8 (byte {not_utf8.start})")
    return found


class StorableTextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = query_problem(scope.get("query_string", b""))
        if problem:
            await _reject(send, problem)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in received if m["type"] == "http.request")
        problem = json_problem(body) if body else None
        if problem:
            await _reject(send, problem)
            return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
        replay += [m for m in received if m["type"] != "http.request"]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)


async def _reject(send: Send, problem: tuple[str, str]) -> None:
    field, message = problem
    body = json.dumps(
        {"detail": f"{field}: {message}", "errors": [{"field": field, "message": message, "type": "unstorable_text"}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
