"""Kept-alive HTTP/1.1 connections for presigned requests, through the standard library's
http.client. urllib3 re-encodes a URL character by character, twice per request, and a presigned
URL is some 500 characters of query: for a small file that was most of the client's CPU.

A presigned URL is sent as it was signed (it is already percent-encoded); http.client still
refuses control characters in it. Nothing is retried here: that is transfer_retry's to decide."""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

# What a request that failed on the way raises: no answer or a broken one (Unreachable: no
# connection at all), a reset, a timeout, a name that did not resolve, TLS that failed.
HTTP_ERRORS = (http.client.HTTPException, ConnectionError, TimeoutError, socket.gaierror, ssl.SSLError)

Origin = tuple[str, str, int]


class ShortBody(http.client.HTTPException):
    """Fewer bytes arrived than the answer said."""


class Unreachable(http.client.HTTPException):
    """No connection to the server: the network, the route or the host is down (an OSError)."""


class Response:
    """An answer; its connection goes back to the pool once the body is read or release_conn()."""

    def __init__(self, answer: http.client.HTTPResponse, conn: http.client.HTTPConnection,
                 pool: Connections, origin: Origin) -> None:
        self._answer, self._conn, self._pool, self._origin = answer, conn, pool, origin
        self._body: bytes | None = None
        self.status = answer.status
        self.headers = answer.headers  # case-insensitive .get()

    def read(self, amt: int | None = None) -> bytes:
        chunk = self._answer.read(amt)  # (a whole read raises IncompleteRead if it is cut short)
        if amt and not chunk and self._answer.length:  # the connection ended before the body did
            self.release_conn()
            raise ShortBody(f"the connection ended {self._answer.length} bytes before the answer's end")
        if amt is None or not chunk:
            self.release_conn()
        return chunk

    @property
    def data(self) -> bytes:
        """The whole body (read once)."""
        if self._body is None:
            self._body = self.read()
        return self._body

    def stream(self, amt: int) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk

    def release_conn(self) -> None:
        """Done with the answer: a connection read to the end is kept, any other closed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._answer.isclosed() and not self._answer.will_close:
            self._pool.put_back(self._origin, conn)
        else:
            self._answer.close()  # its socket, which the connection may have handed over to it
            conn.close()


class Connections:
    def __init__(self, connect_s: float = 10.0, read_s: float = 300.0, kept_per_origin: int = 32,
                 blocksize: int = 1024 * 1024) -> None:
        self.connect_s, self.read_s = connect_s, read_s
        self.kept_per_origin, self.blocksize = kept_per_origin, blocksize
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def request(self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
                preload_content: bool = True) -> Response:
        """Send it on a kept connection to the URL's origin (a new one if none is idle); with
        `preload_content` the body is read (and the connection kept) before this returns."""
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        target = f"{parts.path or '/'}?{parts.query}" if parts.query else (parts.path or "/")
        conn = self._take(origin)
        try:
            answer = _sent(conn, method, target, body, headers or {})
        except BaseException:
            conn.close()
            raise
        response = Response(answer, conn, self, origin)
        if preload_content:
            try:
                response.data  # noqa: B018 - read now, the connection kept for the next request
            except BaseException:
                response.release_conn()
                raise
        return response

    def _take(self, origin: Origin) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle.get(origin, [])
            while idle:
                conn = idle.pop()
                if not _dropped(conn):
                    return conn
                conn.close()
        scheme, host, port = origin
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            conn = http.client.HTTPSConnection(host, port, timeout=self.connect_s, context=self._tls,
                                               blocksize=self.blocksize)
        elif scheme == "http":
            conn = http.client.HTTPConnection(host, port, timeout=self.connect_s, blocksize=self.blocksize)
        else:
            raise ValueError(f"not an http(s) URL: {scheme}://{host}")
        try:
            conn.connect()
        except HTTP_ERRORS:
            raise
        except OSError as e:  # unreachable network or host, no local address or descriptors left
            raise Unreachable(f"{host}:{port}: {e}") from e
        conn.sock.settimeout(self.read_s)
        return conn

    def put_back(self, origin: Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self.kept_per_origin:
                idle.append(conn)
                return
        conn.close()


def _sent(conn: http.client.HTTPConnection, method: str, target: str, body: Any,
          headers: dict[str, str]) -> http.client.HTTPResponse:
    """The answer to the request. A server may answer before it has read the body (an expired
    URL's 403) and close: that answer is the one to give, not the broken pipe it left."""
    try:
        conn.request(method, target, body=body, headers=headers)
    except (BrokenPipeError, ConnectionResetError) as cut:
        try:
            return conn.getresponse()
        except (http.client.HTTPException, OSError):
            raise cut from None
    return conn.getresponse()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle connection the server closed (or sent something on): readable before any request."""
    if conn.sock is None:
        return True
    try:
        if hasattr(select, "poll"):  # any descriptor; select() only those below 1024
            poll = select.poll()
            poll.register(conn.sock, select.POLLIN)
            return bool(poll.poll(0))
        return bool(select.select([conn.sock], [], [], 0)[0])  # Windows
    except (OSError, ValueError):
        return True
