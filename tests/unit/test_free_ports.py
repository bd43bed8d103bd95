"""Ports for several local servers taken one after another: each distinct and free, so no two
servers of a test or of ``make run`` are told to listen on the same port. The kernel's ports
are real; where a test needs the kernel to offer a given port again, the offers are scripted."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from itertools import islice

import pytest

from deltastream import embedded, launcher
from deltastream.embedded import free_port, free_port_run
from deltastream.launcher import GRPC_PORTS, metrics_ports


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def test_ports_taken_in_a_row_are_all_different() -> None:
    # The kernel hands a just-closed ephemeral port out again now and then: among 500
    # bind(0) calls in a row a repeat is all but certain.
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)


def test_a_free_port_can_be_listened_on() -> None:
    port = free_port()
    with _listen(port) as sock:
        assert sock.getsockname()[1] == port


def _offers(monkeypatch: pytest.MonkeyPatch, ports: list[int]) -> None:
    """The kernel offers ``ports``, in order, to the next ``bind(0)`` calls. A port below
    1024 stands for one never offered before: the kernel's ephemeral ports are far above."""
    offered: Iterator[int] = iter(ports)
    monkeypatch.setattr(embedded, "_unbound_port", lambda: next(offered))


def test_a_port_offered_again_is_not_handed_out_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    first = free_port()
    _offers(monkeypatch, [first, first, 101])
    assert free_port() == 101


def test_a_run_of_ports_is_free_and_never_handed_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = free_port_run(GRPC_PORTS)
    run = range(base, base + GRPC_PORTS)
    for port in run:
        _listen(port).close()
    _offers(monkeypatch, [base + 1, base + GRPC_PORTS - 1, 102])
    assert free_port() == 102


def test_metrics_ports_avoid_the_platforms_own_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    grpc_port, http_port = 50_051, 8_000
    monkeypatch.setenv("DELTASTREAM_HTTP_PORT", str(http_port))
    offered = iter([grpc_port + 2, 41_001, http_port, grpc_port, 41_002, grpc_port + 3, 41_003])
    monkeypatch.setattr(launcher, "free_port", lambda: next(offered))
    assert list(islice(metrics_ports(grpc_port), 3)) == [41_001, 41_002, 41_003]


def test_metrics_ports_are_all_different() -> None:
    ports = list(islice(metrics_ports(free_port_run(GRPC_PORTS)), 300))
    assert len(set(ports)) == len(ports)
