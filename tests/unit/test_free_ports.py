"""Ports for several local servers taken one after another: each distinct and free, so no two
servers of a test or of ``make run`` are told to listen on the same port."""

from __future__ import annotations

import socket
from itertools import islice

import pytest

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
    with _listen(free_port()) as sock:
        assert sock.getsockname()[1] > 0


def test_a_run_of_ports_is_free_and_never_handed_out_again() -> None:
    base = free_port_run(GRPC_PORTS)
    run = range(base, base + GRPC_PORTS)
    for port in run:
        _listen(port).close()
    assert set(run).isdisjoint(free_port() for _ in range(2000))


def test_metrics_ports_avoid_the_platforms_own_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    grpc_port = free_port_run(GRPC_PORTS)
    http_port = free_port()
    monkeypatch.setenv("DELTASTREAM_HTTP_PORT", str(http_port))
    ports = list(islice(metrics_ports(grpc_port), 300))
    assert len(set(ports)) == len(ports)
    assert {*range(grpc_port, grpc_port + GRPC_PORTS), http_port}.isdisjoint(ports)
