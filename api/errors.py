"""Every error the API returns has the same shape: `{"detail": "<what was wrong>", ...}`.

Domain errors map to HTTP here, and only here; validation errors name the field. Every "not
found" of a row is `models.errors.NotFound` (the gateway's `AlertNotFound`, a workflow that is
gone, answers the same way); every uniqueness clash is `models.errors.Conflict`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError

from gateway.errors import AlertNotFound, EngineUnavailable, TransitionRejected
from models.errors import Conflict, InvalidQuery, NotFound


class FieldError(BaseModel):
    field: str = Field(description="Where: `title`, `config.headers.X-Api-Key`, `events.0.labels`...")
    message: str
    type: str | None = None


class ErrorOut(BaseModel):
    """The body of every error answer."""

    detail: str = Field(description="What was wrong, in words")
    errors: list[FieldError] | None = Field(None, description="Invalid input (422): one entry per field")
    used_by: list[str] | None = Field(None, description="A refused delete (409): what still points at it")


class FieldErrors(Exception):
    """Input that parsed but refers to something that does not exist (or cannot be): 422, per field."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


def check(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise FieldErrors(errors)


class InUse(Exception):
    """A delete that would leave others pointing at nothing: 409 listing who uses it."""

    def __init__(self, what: str, users: list[str]) -> None:
        super().__init__(f"{what} is used by {', '.join(users)}; change those first")
        self.users = users


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")] or [str(loc[0]) if loc else "body"]
    return ".".join(parts)


def _message(error: dict[str, Any]) -> str:
    text = str(error.get("msg", "invalid"))
    return text.removeprefix("Value error, ")


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        error = next(e for e in errors if e.get("type") == "json_invalid")
        ctx = error.get("ctx", {})
        position = error.get("loc", ("body", "?"))[-1]
        return JSONResponse(
            {"detail": f"malformed JSON body at position {position}: {ctx.get('error', 'invalid JSON')}"},
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    details = [{"field": _location(e.get("loc", ())), "message": _message(e), "type": e.get("type")} for e in errors]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    if len(details) > 5:
        summary += f"; and {len(details) - 5} more"
    return JSONResponse(
        jsonable_encoder({"detail": summary, "errors": details}), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


def _simple(code: int) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=code)

    return handler


async def _invalid_query(request: Request, exc: InvalidQuery) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{exc.field}: {exc}", "errors": [{"field": exc.field, "message": str(exc)}]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _field_errors(request: Request, exc: FieldErrors) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc), "errors": [{"field": field, "message": message} for field, message in exc.errors]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _in_use(request: Request, exc: InUse) -> JSONResponse:
    return JSONResponse({"detail": str(exc), "used_by": exc.users}, status_code=status.HTTP_409_CONFLICT)


# SQLSTATEs of text PostgreSQL cannot store: NUL in text (22021), \u0000 in JSONB (22P05).
UNSTORABLE_TEXT = {"22021", "22P05"}


async def _unstorable(request: Request, exc: DBAPIError) -> JSONResponse:
    """A NUL character in some text field: PostgreSQL refuses it; say so (422), not a 500."""
    if getattr(exc.orig, "sqlstate", None) not in UNSTORABLE_TEXT:
        raise exc
    message = "text fields cannot contain NUL characters (\\u0000)"
    return JSONResponse(
        {"detail": f"body: {message}", "errors": [{"field": "body", "message": message}]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _unstorable)  # type: ignore[arg-type]
    app.add_exception_handler(FieldErrors, _field_errors)  # type: ignore[arg-type]
    app.add_exception_handler(InUse, _in_use)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidQuery, _invalid_query)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, _simple(status.HTTP_404_NOT_FOUND))
    app.add_exception_handler(AlertNotFound, _simple(status.HTTP_404_NOT_FOUND))  # the gateway's: no workflow
    app.add_exception_handler(Conflict, _simple(status.HTTP_409_CONFLICT))
    app.add_exception_handler(TransitionRejected, _simple(status.HTTP_409_CONFLICT))
    app.add_exception_handler(EngineUnavailable, _simple(status.HTTP_503_SERVICE_UNAVAILABLE))
