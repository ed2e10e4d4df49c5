"""Reading an ``application/x-www-form-urlencoded`` body strictly, as the dev issuer's endpoints
do (the token endpoint and the sign-in form): bounded size, ASCII, no repeated parameter
(RFC 6749 §3.1, §3.2)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_BODY_BYTES = 4096
FORM_TYPE = "application/x-www-form-urlencoded"


class BadRequest(Exception):
    """The request cannot be understood; ``description`` says why (an ``invalid_request``)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def parse_form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the body is not form-urlencoded ASCII") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
            raise BadRequest(f"parameter {name} given more than once")
        form[name] = value
    return form


def unique_query(request: Request) -> dict[str, str]:
    """The query parameters; ``BadRequest`` if one is repeated (RFC 6749 §3.1)."""
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in query:
            raise BadRequest(f"parameter {name} given more than once")
        query[name] = value
    return query


async def read_form(request: Request, max_bytes: int = MAX_BODY_BYTES) -> dict[str, str]:
    """The request's form body; ``BadRequest`` if it is another type, too large or malformed."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadRequest(f"send {FORM_TYPE}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BadRequest(f"the body is over {max_bytes} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadRequest(f"the body is over {max_bytes} bytes")
    return parse_form(body)
