"""abaqueue.http_connections over a real HTTP/1.1 server on loopback: a connection read to the end
is used again, one the server closed while idle is replaced, one left half read is not kept, and a
presigned URL's query goes as it was signed."""

from __future__ import annotations

import http.server
import threading

import pytest

from abaqueue.http_connections import Connections, ShortBody


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, int]] = []  # (path with query, client port)

    def do_GET(self):  # noqa: N802 - the http.server name
        Handler.seen.append((self.path, self.client_address[1]))
        body = b"x" * 100_000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + (10 if "short" in self.path else 0)))
        if "short" in self.path:
            self.close_connection = True
        if "close" in self.path:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):  # noqa: N802
        size = int(self.headers["Content-Length"])
        got = self.rfile.read(size)
        Handler.seen.append((self.path, self.client_address[1]))
        self.send_response(200)
        self.send_header("ETag", f'"{len(got)}"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(httpd, path: str) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}{path}"


def test_a_connection_read_to_the_end_is_used_again(server):
    pool = Connections()
    signed = "/b/k?X-Amz-Credential=a%2F20261202%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab"
    for _ in range(3):
        answer = pool.request("GET", url(server, signed))
        assert answer.status == 200 and len(answer.data) == 100_000
    streamed = pool.request("GET", url(server, "/streamed"), preload_content=False)
    assert sum(len(c) for c in streamed.stream(4096)) == 100_000
    sent = pool.request("PUT", url(server, "/up"), body=b"y" * 5000, headers={"Content-Length": "5000"})
    assert sent.headers.get("etag") == '"5000"'
    assert [p for p, _ in Handler.seen][0] == signed  # as signed: not decoded, not encoded again
    assert len({port for _, port in Handler.seen}) == 1


def test_a_connection_the_server_closed_is_replaced(server):
    pool = Connections()
    assert pool.request("GET", url(server, "/close")).status == 200  # the server closes it after answering
    assert pool.request("GET", url(server, "/next")).status == 200
    assert len({port for _, port in Handler.seen}) == 2


def test_a_half_read_answer_does_not_keep_its_connection(server):
    pool = Connections()
    answer = pool.request("GET", url(server, "/big"), preload_content=False)
    assert len(answer.read(10)) == 10
    answer.release_conn()
    assert pool.request("GET", url(server, "/again")).status == 200
    assert len({port for _, port in Handler.seen}) == 2


def test_an_answer_cut_short_raises(server):
    answer = Connections().request("GET", url(server, "/short"), preload_content=False)
    with pytest.raises(ShortBody, match="10 bytes before"):
        for _ in answer.stream(4096):
            pass


def test_not_http_is_refused():
    with pytest.raises(ValueError, match="not an http"):
        Connections().request("GET", "ftp://127.0.0.1/x")
