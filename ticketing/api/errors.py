"""The one place where errors become HTTP responses: ``{"error_id", "message", "details"}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ticketing.errors import TicketingError

log = logging.getLogger(__name__)

_HTTP_IDS = {
    400: "bad_request",
    401: "authentication_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def error_body(error_id: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The wire form of every error."""
    return {"error_id": error_id, "message": message, "details": jsonable_encoder(details or {})}


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route accepts for this request's path."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and framework errors to typed JSON bodies."""

    @app.exception_handler(TicketingError)
    async def _domain(_request: Request, exc: TicketingError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(
            error_body(exc.error_id, exc.message, exc.details), status_code=exc.http_status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("malformed_json", "the request body is not valid JSON"), 400)
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "problem": e.get("msg")}
            for e in errors
        ]
        return JSONResponse(
            error_body("invalid_input", "the request does not match the expected form", {"errors": fields}),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error_id = _HTTP_IDS.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # A 405 must list every method the path allows (RFC 9110 §15.5.6); Starlette names only
            # those of the first route that matched the path.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return JSONResponse(
            error_body(error_id, str(exc.detail)), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return JSONResponse(
            error_body("conflict", "the change conflicts with existing data; nothing was saved"), 409
        )

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (out of range, unstorable text) is bad input, not a crash.
        log.warning("data error: %s", exc.orig)
        return JSONResponse(
            error_body("invalid_input", "a value cannot be stored as given; nothing was saved"), 422
        )
