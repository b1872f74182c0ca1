"""`herald dev`'s port probe: a port left in TIME_WAIT by a stack stopped a moment ago is free
(stop and run again works at once); a port something still listens on is not."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from devstack.ports import PortInUse, ensure_free


def _listener() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and Temporal bind
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


@pytest.fixture
def time_wait_port() -> Iterator[int]:
    """A port whose server closed its connection first and then stopped listening: the
    connection's server side stays in TIME_WAIT for a minute, as after stopping `herald dev`."""
    server = _listener()
    port = int(server.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its end (local port = `port`) goes to TIME_WAIT
    client.recv(1)  # the peer sees the close ...
    client.close()  # ... and closes too, so the server end completes into TIME_WAIT
    server.close()
    yield port


@pytest.mark.parametrize("name", ["api-port", "temporal-port", "ui-port"])
def test_a_port_in_time_wait_is_free(time_wait_port: int, name: str) -> None:
    ensure_free({name: time_wait_port})


@pytest.mark.parametrize("name", ["api-port", "temporal-port", "ui-port"])
def test_a_port_with_a_listener_is_in_use(name: str) -> None:
    with _listener() as server:
        port = int(server.getsockname()[1])
        with pytest.raises(PortInUse, match=f"port {port} \\({name}\\) is already in use; pick another with --{name}"):
            ensure_free({name: port})


def test_a_port_bound_without_listening_is_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        port = int(held.getsockname()[1])
        with pytest.raises(PortInUse):
            ensure_free({"api-port": port})


@pytest.mark.parametrize("given", ["0", "17", "-1", "two", "٢", "1.5", ""])
def test_herald_dev_workers_outside_one_to_sixteen_is_a_usage_error_naming_the_option(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli import parser

    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["dev", "--workers", given])
    assert exited.value.code == 2
    assert "argument --workers" in capsys.readouterr().err


def test_herald_dev_runs_one_worker_unless_told_more() -> None:
    from cli import parser

    assert parser().parse_args(["dev"]).workers == 1
    assert parser().parse_args(["dev", "--workers", "2"]).workers == 2
