"""`abaqueue-token-database`: the token database on its own, for several schedulers to share
(`abaqueue-scheduler --address_to_token_database`).

One port serves the TokenService, health checking and reflection over an SQLite store; every call
needs a token of this database. On first start it writes an admin token, like the scheduler; give
each scheduler its own admin token (`abaqueue --server HOST:PORT admin tokens create`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import grpc

from abaqueue.shutdown import stop_on_signals
from abaqueue.v1 import token_service_pb2_grpc as tok_grpc

from .audit_writer import AuditWriter
from .auth import TokenInterceptor
from .domain.identity import Port
from .grpc_server import TlsFiles, add_health_and_reflection, listen, new_server, set_serving
from .store import SqliteStore
from .token_service import TOKENS, TokenService
from .tokens import TokenBook

log = logging.getLogger(__name__)


class TokenDatabaseServer:
    def __init__(self, database: Path, *, host: str = "127.0.0.1", port: int = 50050,
                 admin_token_file: Path | None = None, tls: TlsFiles | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = SqliteStore(database)
        self.tokens = TokenBook(self.store, clock=clock)
        self.address = f"{host}:{port}"
        self.admin_token_file = admin_token_file
        self.tls = tls
        self.port = 0
        self._server: grpc.aio.Server | None = None

    async def start(self) -> None:
        if self.admin_token_file:
            self.tokens.bootstrap(self.admin_token_file)
        self.audit = AuditWriter(self.store.append_audit)
        server = new_server(4 * 1024 * 1024, TokenInterceptor(Port.SUBMISSION, self.tokens.authenticate,
                                                              self.audit.record))
        tok_grpc.add_TokenServiceServicer_to_server(TokenService(self.tokens), server)
        checker = add_health_and_reflection(server, (TOKENS,))
        self.port = listen(server, self.address, self.tls)
        await server.start()
        await set_serving(checker, TOKENS)
        self._server = server
        log.info("token database up on port %d", self.port)

    async def stop(self, grace: float = 5.0) -> None:
        if self._server is not None:
            await self._server.stop(grace)
            self._server = None
            self.audit.flush()
        self.store.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="abaqueue-token-database", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind to")
    p.add_argument("--port", type=int, default=50050)
    p.add_argument("--database", type=Path, default=Path(".abaqueue/tokens.sqlite3"), help="SQLite file")
    p.add_argument("--admin-token-file", type=Path,
                   help="where the first admin token is written (default: admin.token beside the database)")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (chain); with --tls-key")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument("--log-level", default="INFO")
    a = p.parse_args(argv)
    logging.basicConfig(level=a.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if (a.tls_cert is None) != (a.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    server = TokenDatabaseServer(a.database, host=a.host, port=a.port,
                                 admin_token_file=a.admin_token_file or a.database.parent / "admin.token",
                                 tls=TlsFiles(a.tls_cert, a.tls_key) if a.tls_cert else None)

    async def serve() -> None:
        await server.start()
        stopping = stop_on_signals()
        print(f"abaqueue-token-database: port {server.port}", flush=True)
        await stopping.wait()
        await server.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
