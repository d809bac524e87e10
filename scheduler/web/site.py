"""The dashboard's HTTP port: an aiohttp application on the scheduler's own event loop."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..admin import AdminApp
from ..domain.audit import AuditEntry
from ..submission import SubmissionApp
from ..transfer_slots import TransferSlots
from ..usage_history import UsageHistory
from .admin_routes import AdminRoutes
from .audit import audited
from .errors import mapped
from .routes import Routes
from .security import Authenticate, protective_headers, signed_in
from .sessions import Sessions
from .token_admin import TokenAdmin

MAX_BODY_BYTES = 64 * 1024  # the page sends small JSON bodies only


class Dashboard:
    def __init__(self, submission: SubmissionApp, admin: AdminApp, slots: TransferSlots, usage: UsageHistory,
                 tokens: TokenAdmin, authenticate: Authenticate, clock: Callable[[], float],
                 record: Callable[[AuditEntry], None] = lambda entry: None) -> None:
        self.sessions = Sessions(clock)
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[
            protective_headers, audited(record, clock), signed_in(self.sessions, authenticate), mapped])
        Routes(submission, usage, self.sessions, authenticate, clock).add_to(app)
        AdminRoutes(admin, slots, tokens, clock).add_to(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: a free port); the port bound."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.port

    async def stop(self) -> None:
        await self._runner.cleanup()
