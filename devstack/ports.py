"""Port checks: a port already in use gets a one-line error naming it.

The probe binds as the servers it stands in for will (uvicorn, the Temporal dev server): with
`SO_REUSEADDR`, so a port whose only sockets are closed connections in TIME_WAIT (a stack
stopped a moment ago) counts as free, and only a socket that still listens on it counts as in use.
"""

from __future__ import annotations

import socket


class PortInUse(Exception):
    pass


def ensure_free(ports: dict[str, int], host: str = "127.0.0.1") -> None:
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as err:
                raise PortInUse(f"port {port} ({name}) is already in use; pick another with --{name}") from err


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
