"""The dashboard's admin pages' calls (and the nodes page, which admins act on): jobs held for
approval, the queue settings, tokens, draining nodes. The domain refuses whoever is not an admin,
as it refuses them on the gRPC API."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from aiohttp import web

from ..admin import AdminApp
from ..domain.errors import InvalidArgument
from ..domain.identity import Principal, Role
from ..transfer_slots import TransferSlots
from .request_parts import json_object
from .security import caller, session_of
from .token_admin import TokenAdmin
from .views import job_view, node_view, token_view

ROUTES = [  # (method, path, handler)
    ("GET", "/api/admin/approvals", "approvals"),
    ("POST", "/api/admin/jobs/{job_id}/approve", "approve"),
    ("POST", "/api/admin/jobs/{job_id}/reject", "reject"),
    ("GET", "/api/nodes", "nodes"),
    ("GET", "/api/admin/settings", "settings"),
    ("POST", "/api/admin/settings", "change_settings"),
    ("GET", "/api/admin/tokens", "tokens"),
    ("POST", "/api/admin/tokens", "create_token"),
    ("POST", "/api/admin/tokens/{token_id}/revoke", "revoke_token"),
    ("POST", "/api/admin/nodes/{name}/drain", "drain"),
    ("POST", "/api/admin/nodes/{name}/resume", "resume"),
]


class AdminRoutes:
    def __init__(self, admin: AdminApp, slots: TransferSlots, tokens: TokenAdmin,
                 clock: Callable[[], float]) -> None:
        self.admin, self.slots, self.token_admin, self.clock = admin, slots, tokens, clock

    def add_to(self, app: web.Application) -> None:
        app.router.add_routes([web.route(method, path, getattr(self, name)) for method, path, name in ROUTES])

    async def approvals(self, request: web.Request) -> web.Response:
        now = self.clock()
        return web.json_response({"jobs": [job_view(j, now) for j in self.admin.awaiting_approval(caller(request))]})

    async def approve(self, request: web.Request) -> web.Response:
        job = self.admin.approve(caller(request), request.match_info["job_id"])
        return web.json_response(job_view(job, self.clock()))

    async def reject(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        reason = body.get("reason", "")
        if not isinstance(reason, str):
            raise InvalidArgument("reason", "must be text")
        job = self.admin.reject(caller(request), request.match_info["job_id"], reason)
        return web.json_response(job_view(job, self.clock()))

    async def settings(self, request: web.Request) -> web.Response:
        return web.json_response(dataclasses.asdict(self.admin.settings(caller(request))))

    async def change_settings(self, request: web.Request) -> web.Response:
        """The settings named in the body (JSON: name to value) changed, each checked."""
        changed = self.admin.update_settings(caller(request), await json_object(request))
        return web.json_response(dataclasses.asdict(changed))

    async def tokens(self, request: web.Request) -> web.Response:
        records = await self.token_admin.list(caller(request), session_of(request).token,
                                              request.query.get("user", ""))
        return web.json_response({"tokens": [token_view(r) for r in records]})

    async def create_token(self, request: web.Request) -> web.Response:
        """A new token, answered as a file to save (the page hands it to the browser's downloads
        and never shows it); its id in X-Token-Id."""
        body = await json_object(request)
        try:
            role = Role(body.get("role", ""))
        except (ValueError, TypeError):
            raise InvalidArgument("role", f"{str(body.get('role', ''))[:20]!r} is not a role") from None
        days = body.get("ttl_days")
        if days is not None and (not isinstance(days, (int, float)) or isinstance(days, bool)):
            raise InvalidArgument("ttl_days", "must be a number of days, or absent for a token that does not expire")
        fields = {name: body.get(name, "") for name in ("user", "team", "description")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise InvalidArgument(next(n for n, v in fields.items() if not isinstance(v, str)), "must be text")
        secret, record = await self.token_admin.create(
            caller(request), session_of(request).token, Principal(fields["user"], role, fields["team"]),
            None if days is None else days * 86400, fields["description"])
        name = f"abaqueue-{record.principal.user}-{record.token_id[:8]}.token"
        return web.Response(text=secret + "\n", content_type="text/plain", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "X-Token-Id": record.token_id})

    async def revoke_token(self, request: web.Request) -> web.Response:
        record = await self.token_admin.revoke(caller(request), session_of(request).token,
                                               request.match_info["token_id"])
        return web.json_response(token_view(record))

    async def nodes(self, request: web.Request) -> web.Response:
        now = self.clock()
        return web.json_response({"nodes": [self._node(n, now) for n in self.admin.list_nodes(caller(request))]})

    async def drain(self, request: web.Request) -> web.Response:
        return web.json_response(self._node(self.admin.drain(caller(request), request.match_info["name"], True)))

    async def resume(self, request: web.Request) -> web.Response:
        return web.json_response(self._node(self.admin.drain(caller(request), request.match_info["name"], False)))

    def _node(self, node, now: float | None = None) -> dict:
        state, tokens = self.admin.node_state(node)
        return node_view(node, state, tokens, self.slots.stats(node.name), self.clock() if now is None else now)

