"""HTTP intake: size limits, and a Binance ``{"code", "msg"}`` answer for every request refused before (or while)
a route reads it. aiohttp answers these in plain text on its own, and the ones its HTTP parser refuses never reach
a middleware, so three hooks share one table:

- ``JsonErrorProtocol.handle_error``: what the parser refuses (a request line or header field longer than
  ``MAX_LINE_BYTES``/``MAX_FIELD_BYTES``, more than ``MAX_HEADERS`` fields, raw non-ASCII or control bytes in the
  URL, bad framing), and, as a last resort, an exception no route caught (-1000, HTTP 500);
- ``json_errors`` (middleware): the HTTP exceptions aiohttp raises inside a handler (a body over ``MAX_BODY_BYTES``,
  no such route, a WebSocket handshake gone wrong) and payload errors met while reading a body;
- ``read_body``: the same answers as ``ApiError`` for a route that renders its own errors (``rest.RestApi``).

The table (HTTP 400 for every request error, as §5 of the Spot subset says):
- too large (request line, a header field, the header count, the body): -1101 TOO_MANY_PARAMETERS;
- bytes HTTP does not allow where they are (raw non-ASCII or control bytes in the URL, a method that is not one,
  a NUL in a header, letters in Content-Length or a chunk size): -1100 ILLEGAL_CHARS;
- any other refusal (an unknown HTTP version, a duplicate Content-Length, a body that does not decode as its
  Content-Encoding says, a bad WebSocket handshake): -1102 MANDATORY_PARAM_EMPTY_OR_MALFORMED.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable

import orjson
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, BadHttpMethod, HttpProcessingError, InvalidHeader, \
    InvalidURLError, LineTooLong

from . import errors

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 8190    # the request line (aiohttp's default, kept)
MAX_FIELD_BYTES = 8190   # one header field, name and value
MAX_HEADERS = 128
MAX_BODY_BYTES = 1 << 20

_TOO_MANY_PARAMETERS = "Too many parameters sent for this endpoint"
_INVALID_CHAR = re.compile(r"\binvalid\b.*\bchar(acter)?\b", re.IGNORECASE)


def too_large(what: str, limit: int) -> errors.ApiError:
    return errors.ApiError(-1101, f"{_TOO_MANY_PARAMETERS}; {what} is longer than {limit} bytes.")


def body_too_large() -> errors.ApiError:
    return too_large("the request body", MAX_BODY_BYTES)


def _first_line(exc: HttpProcessingError) -> str:
    text = (exc.message or type(exc).__name__).strip().splitlines()[0]
    return text.rstrip(":. ")


def parser_error(exc: HttpProcessingError | web.RequestPayloadError) -> errors.ApiError:
    """The answer to a request aiohttp's HTTP parser (or payload reader) refused."""
    if isinstance(exc, web.RequestPayloadError):  # a body that failed while being read: the cause says why
        cause = exc.__cause__
        exc = cause if isinstance(cause, HttpProcessingError) else BadHttpMessage("Bad request body")
    reason = _first_line(exc)
    if isinstance(exc, LineTooLong):
        return too_large("the request line or a header field", MAX_LINE_BYTES)
    if exc.message == "Too many headers received":
        return errors.ApiError(-1101, f"{_TOO_MANY_PARAMETERS}; more than {MAX_HEADERS} header fields.")
    # llhttp reports most byte-level faults as a plain BadHttpMessage: only its text says "Invalid char(acter)"
    if isinstance(exc, (InvalidURLError, InvalidHeader, BadHttpMethod)) or _INVALID_CHAR.search(reason):
        return errors.ApiError(-1100, f"Illegal characters found in the request ({reason}).")
    return errors.ApiError(-1102, f"Malformed request ({reason}).")


def http_error(exc: web.HTTPException) -> errors.ApiError:
    """The answer to an HTTP error aiohttp raised inside a handler."""
    if exc.status == 413:
        return body_too_large()
    if exc.status == 404:
        return errors.not_found()
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return errors.ApiError(-1000, f"Method {exc.method} is not allowed on this path.", 405)
    if 400 <= exc.status < 500:
        return errors.ApiError(-1102, f"Malformed request ({exc.text or exc.reason}).", exc.status)
    return errors.ApiError(-1000, "An unknown error occurred while processing the request.", exc.status)


def response(exc: errors.ApiError) -> web.Response:
    return web.Response(status=exc.status, body=orjson.dumps(exc.body()), headers=exc.headers,
                        content_type="application/json")


async def read_body(request: web.BaseRequest) -> bytes:
    """The whole body (b"" without one); an oversized or malformed body raises the ``ApiError`` to answer."""
    if not request.body_exists:
        return b""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise body_too_large() from None
    except (HttpProcessingError, web.RequestPayloadError) as exc:
        raise parser_error(exc) from None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return response(http_error(exc))
    except (HttpProcessingError, web.RequestPayloadError) as exc:
        return response(parser_error(exc))


class JsonErrorProtocol(web.RequestHandler):
    """aiohttp's connection protocol, answering the requests its parser refuses (and unhandled exceptions) in JSON."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:  # an answer has started: aiohttp closes the connection
            return super().handle_error(request, status, exc, message)
        if isinstance(exc, HttpProcessingError):
            log.info("malformed request from %s: %s", request.remote, _first_line(exc))
            answer = parser_error(exc)
        else:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
            answer = errors.unknown()
        resp = response(answer)
        resp.force_close()
        return resp

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """After answering a body that failed to decode, aiohttp drains the rest and meets the same payload error
        again, which it logs as "Unhandled exception": that is the client's fault, already answered (-1102)."""
        exc = kw.get("exc_info")
        if isinstance(exc, web.RequestPayloadError):
            log.info("connection closed after a malformed request body: %s", parser_error(exc).msg)
            return
        super().log_exception(*args, **kw)


class JsonErrorSite(web.BaseSite):
    """A TCP site like ``web.TCPSite`` whose connections speak ``JsonErrorProtocol`` with the limits above."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        sockets = getattr(self._server, "sockets", None)
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        manager = self._runner.server
        assert manager is not None, "runner.setup() first"
        options: dict[str, Any] = {"access_log": None, "max_line_size": MAX_LINE_BYTES,
                                   "max_field_size": MAX_FIELD_BYTES, "max_headers": MAX_HEADERS}

        def protocol() -> JsonErrorProtocol:
            return JsonErrorProtocol(manager, loop=loop, **options)

        self._server = await loop.create_server(protocol, self._host, self._port, reuse_address=True)
