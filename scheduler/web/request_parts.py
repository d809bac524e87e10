"""What handlers read from a request, checked: a JSON object body, a whole-number query parameter.
A malformed one is an InvalidArgument naming it (answered 400)."""

from __future__ import annotations

import json

from aiohttp import web

from ..domain.errors import InvalidArgument


async def json_object(request: web.Request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise InvalidArgument("body", "not a JSON object")
    return body


def whole_number(query, name: str, default: int) -> int:
    text = query.get(name, "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(name, f"{text[:20]!r} is not a whole number") from None

