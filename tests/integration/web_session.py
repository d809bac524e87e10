"""A browser's side of the dashboard for the tests that drive its HTTP port."""

from __future__ import annotations

import aiohttp


async def signed_in(web: str, token: str) -> tuple[aiohttp.ClientSession, dict]:
    """A browser-like session (it keeps cookies) signed in with `token`, and what sign-in answered."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    answer = await session.post(f"{web}/api/signin", json={"token": token}, headers={"Origin": web})
    assert answer.status == 200, await answer.text()
    return session, await answer.json()
