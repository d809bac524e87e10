"""A fault-injecting HTTP proxy in front of a real S3 endpoint, for tests and chaos runs on
loopback: requests pass through unchanged (the Host header too, so signatures made for the
proxy's address hold) unless a fault rule matches, which then answers 5xx, cuts the connection,
damages one byte of the body on its way, or holds the request back for a while.
"""

from __future__ import annotations

import http.client
import random
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

COPY_BYTES = 1024 * 1024
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}


@dataclass
class Fault:
    """What to do to requests that `matches` (method, path with query): `action` is "status"
    (answer `status` without passing it on), "reset" (close the connection unanswered), "corrupt"
    (flip one byte of the request's body), "corrupt_reply" (flip the first byte of the answer's
    body), or "delay" (hold it `delay_s` first). It fires `times` times (0:
    always), on each matching request with probability `rate`."""

    matches: Callable[[str, str], bool]
    action: str
    times: int = 1
    rate: float = 1.0
    status: int = 503
    delay_s: float = 0.0
    fired: int = 0

    def take(self, method: str, target: str, rand: random.Random) -> bool:
        if self.times and self.fired >= self.times:
            return False
        if not self.matches(method, target) or rand.random() >= self.rate:
            return False
        self.fired += 1
        return True


@dataclass
class Seen:
    method: str
    target: str
    status: int  # 0: cut by a fault
    fault: str = ""


@dataclass
class FaultProxy:
    upstream: str  # host:port of the real endpoint
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rand = random.Random(self.seed)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, matches: Callable[[Seen], bool]) -> int:
        with self._lock:
            return sum(1 for s in self.seen if matches(s))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _fault_for(self, method: str, target: str) -> Fault | None:
        with self._lock:
            return next((f for f in self.faults if f.take(method, target, self._rand)), None)

    def _note(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        method, target = h.command, h.path
        body = _read_body(h)
        fault = self._fault_for(method, target)
        if fault is not None and fault.action == "reset":
            self._note(Seen(method, target, 0, "reset"))
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.action == "status":
            self._note(Seen(method, target, fault.status, "status"))
            message = f"<Error><Code>InjectedFault</Code><Message>injected {fault.status}</Message></Error>".encode()
            h.send_response(fault.status)
            h.send_header("Content-Length", str(len(message)))
            h.end_headers()
            h.wfile.write(message)
            return
        if fault is not None and fault.action == "delay":
            time.sleep(fault.delay_s)
        if fault is not None and fault.action == "corrupt" and body:
            at = len(body) // 2
            body = body[:at] + bytes([body[at] ^ 0xFF]) + body[at + 1:]
        host, port = self.upstream.rsplit(":", 1)
        upstream = http.client.HTTPConnection(host, int(port), timeout=300)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
            if body is not None:
                headers["Content-Length"] = str(len(body))
            upstream.request(method, target, body=body, headers=headers)
            response = upstream.getresponse()
            self._note(Seen(method, target, response.status, fault.action if fault else ""))
            length = response.getheader("Content-Length")
            payload = None if length is not None or method == "HEAD" else response.read()
            h.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    h.send_header(k, v)
            h.send_header("Content-Length", length if payload is None else str(len(payload)))
            h.end_headers()
            if method == "HEAD":
                return
            if payload is not None:
                if fault is not None and fault.action == "corrupt_reply" and payload:
                    payload = bytes([payload[0] ^ 0xFF]) + payload[1:]
                h.wfile.write(payload)
                return
            flip = fault is not None and fault.action == "corrupt_reply"
            while chunk := response.read(COPY_BYTES):
                if flip:
                    chunk, flip = bytes([chunk[0] ^ 0xFF]) + chunk[1:], False
                h.wfile.write(chunk)
        finally:
            upstream.close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-request (a killed agent) is not news; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _read_body(h: BaseHTTPRequestHandler) -> bytes | None:
    length = h.headers.get("Content-Length")
    if length is not None:
        return h.rfile.read(int(length))
    if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(h.rfile.readline().split(b";")[0], 16)
            if size == 0:
                while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
    return None


def part_put(method: str, target: str) -> bool:
    """A PUT of one part of a multipart upload."""
    return method == "PUT" and "uploadId=" in urlsplit(target).query and "partNumber=" in target
