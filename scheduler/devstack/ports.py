"""Free loopback ports."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def preferred_or_free_port(preferred: int, host: str = "127.0.0.1") -> int:
    """`preferred` if nothing listens there yet (the documented default), else any free port."""
    with socket.socket() as s:
        try:
            s.bind((host, preferred))
            return preferred
        except OSError:
            pass
    return free_port(host)


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """`count` distinct free ports, held open together while they are chosen."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
