"""Dashboard sessions: an Abaqueue token exchanged at sign-in for a random session id (the cookie)
and a CSRF token (sent with every action). The token stays here, in the scheduler's memory, so
each request is authenticated again as a gRPC call would be: a revoked token ends its sessions.
Sessions end after IDLE_S without a request, MAX_AGE_S after sign-in, or with the process."""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

IDLE_S = 8 * 3600.0
MAX_AGE_S = 24 * 3600.0
MAX_SESSIONS = 10_000  # beyond it the least recently used session ends


@dataclass
class Session:
    id: str
    csrf: str
    token: str
    opened: float
    seen: float

    def allows(self, csrf: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), csrf.encode())


class Sessions:
    def __init__(self, clock: Callable[[], float], idle_s: float = IDLE_S, max_age_s: float = MAX_AGE_S,
                 most: int = MAX_SESSIONS) -> None:
        self.clock, self.idle_s, self.max_age_s, self.most = clock, idle_s, max_age_s, most
        self._open: OrderedDict[str, Session] = OrderedDict()

    def open(self, token: str) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), token, now, now)
        self._open[session.id] = session
        while len(self._open) > self.most:
            self._open.popitem(last=False)
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session of that id, marked as used now; None when unknown or over."""
        session = self._open.get(session_id)
        if session is None:
            return None
        now = self.clock()
        if now - session.seen > self.idle_s or now - session.opened > self.max_age_s:
            del self._open[session_id]
            return None
        session.seen = now
        self._open.move_to_end(session_id)
        return session

    def close(self, session_id: str) -> None:
        self._open.pop(session_id, None)
