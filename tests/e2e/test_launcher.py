"""``make run``'s launcher: everything up, Ctrl-C stops every process, data survives a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from deltastream.embedded import free_port
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc
from tests.e2e.platform import wait_for

pytestmark = pytest.mark.e2e


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split()
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


class Launcher:
    """``python -m deltastream.launcher`` in its own process group, as a terminal runs it."""

    def __init__(self, data_dir: Path) -> None:
        self.grpc_port = free_port()
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DELTASTREAM_REDIS_URL", "DELTASTREAM_MONGO_URI"}
        }
        environment.update(
            DELTASTREAM_DATA_DIR=str(data_dir), DELTASTREAM_GRPC_PORT=str(self.grpc_port)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deltastream.launcher"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_running(self) -> str:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, b""):
            if line.startswith(b"DeltaStream is running"):
                return f"127.0.0.1:{self.grpc_port}"
        raise AssertionError("the launcher ended before the platform was up")

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


def _chain_version(target: str) -> int:
    with grpc.insecure_channel(target) as channel:
        stub = market_data_pb2_grpc.MarketDataStub(channel)
        try:
            reply = stub.GetChain(market_data_pb2.GetChainRequest(underlying="NIFTY"), timeout=5)
        except grpc.RpcError:
            return 0
        return reply.chain.version


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "run"


def test_ctrl_c_stops_every_process_and_the_data_survives_a_restart(data_dir: Path) -> None:
    first = Launcher(data_dir)
    target = first.wait_running()
    wait_for(lambda: _chain_version(target) > 3, 60, "no chain was enriched and stored")
    children = _descendants(first.process.pid)
    assert len(children) >= 5  # embedded servers (Valkey, SecantusDB), marketdata, enricher, feed
    assert first.interrupt() == 0
    wait_for(lambda: not any(_alive(pid) for pid in children), 30, "orphan processes remain")

    second = Launcher(data_dir)
    target = second.wait_running()
    wait_for(lambda: _chain_version(target) > 0, 60, "the stored chain is gone")
    stored = _chain_version(target)
    assert second.interrupt() == 0
    assert stored > 3
