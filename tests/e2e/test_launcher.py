"""``make run``'s launcher: everything up behind Auth, the printed admin password logs in,
Ctrl-C stops every process, and data, password and tokens survive a restart."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from deltastream.auth import bearer_metadata
from deltastream.embedded import free_port, free_port_run
from deltastream.launcher import GRPC_PORTS
from deltastream.v1 import auth_pb2, auth_pb2_grpc, market_data_pb2, market_data_pb2_grpc
from tests.e2e.platform import wait_for

_LOG_TAIL_CHARACTERS = 20_000
_START_TIMEOUT_SECONDS = 120.0
_RUNNING = re.compile(rb"^DeltaStream is running", re.M)
_PASSWORD = re.compile(rb"^Admin user: admin +password: (\S+) ", re.M)

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


@dataclass(frozen=True)
class Banner:
    """What the launcher prints once the platform is up."""

    marketdata: str
    auth: str
    admin_password: str


class Launcher:
    """``python -m deltastream.launcher`` in its own process group, as a terminal runs it."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        """``log``: where the launcher's output goes, its banner and every service's log
        lines: a file, not a pipe, which nothing would read after the banner and whose
        filling up would block every service at its next log line."""
        self.grpc_port = free_port_run(GRPC_PORTS)
        self.log = log
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DELTASTREAM_REDIS_URL", "DELTASTREAM_MONGO_URI"}
        }
        environment.update(
            DELTASTREAM_DATA_DIR=str(data_dir),
            DELTASTREAM_GRPC_PORT=str(self.grpc_port),
            DELTASTREAM_HTTP_PORT=str(free_port()),
        )
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deltastream.launcher"],
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_running(self) -> Banner:
        """The banner's endpoints and the admin's password, once the platform is up."""
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            output = self.log.read_bytes()
            running = _RUNNING.search(output)
            password = running and _PASSWORD.search(output, running.end())
            if password:
                return Banner(
                    f"127.0.0.1:{self.grpc_port}",
                    f"127.0.0.1:{self.grpc_port + 1}",
                    password.group(1).decode(),
                )
            if self.process.poll() is not None:
                raise AssertionError("the launcher ended before the platform was up")
            time.sleep(0.2)
        raise AssertionError(f"the platform was not up in {_START_TIMEOUT_SECONDS:.0f} s")

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)

    def ensure_stopped(self) -> None:
        """After a failed test: Ctrl-C if it still runs."""
        if self.process.poll() is None:
            self.interrupt()


def _login(auth_target: str, password: str) -> str:
    """An access token of the admin, from the platform's Auth service."""
    with grpc.insecure_channel(auth_target) as channel:
        stub = auth_pb2_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        request = auth_pb2.LoginRequest(username="admin", password=password)
        reply: auth_pb2.TokenPair = stub.Login(request, timeout=30)
    return reply.access_token


def _chain_version(target: str, token: str) -> int:
    with grpc.insecure_channel(target) as channel:
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        request = market_data_pb2.GetChainRequest(underlying="NIFTY")
        try:
            reply = stub.GetChain(request, metadata=bearer_metadata(token), timeout=5)
        except grpc.RpcError as exc:  # not up yet, or nothing stored yet; but never refused
            assert exc.code() in {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.NOT_FOUND}
            return 0
        version: int = reply.chain.version
        return version


def _refusal_without_a_token(target: str) -> grpc.StatusCode:
    with grpc.insecure_channel(target) as channel:
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetChain(market_data_pb2.GetChainRequest(underlying="NIFTY"), timeout=5)
    code: grpc.StatusCode = failure.value.code()
    return code


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "run"


@pytest.fixture
def launch(data_dir: Path) -> Iterator[Callable[[], Launcher]]:
    """Starts launchers on ``data_dir``; whichever still runs after the test is stopped."""
    started: list[Launcher] = []

    def start() -> Launcher:
        started.append(Launcher(data_dir, data_dir.parent / f"launcher-{len(started)}.log"))
        return started[-1]

    yield start
    for launcher in started:
        launcher.ensure_stopped()
        # shown in the report of a failed test only, to tell which service stalled
        print(f"--- the end of {launcher.log.name}")
        print(launcher.log.read_text(errors="replace")[-_LOG_TAIL_CHARACTERS:])


def test_ctrl_c_stops_every_process_and_the_data_survives_a_restart(
    data_dir: Path, launch: Callable[[], Launcher]
) -> None:
    first = launch()
    banner = first.wait_running()
    token = _login(banner.auth, banner.admin_password)
    wait_for(lambda: _chain_version(banner.marketdata, token) > 3, 60, "no chain was stored")
    assert _refusal_without_a_token(banner.marketdata) == grpc.StatusCode.UNAUTHENTICATED
    children = _descendants(first.process.pid)
    assert len(children) >= 6  # Valkey, SecantusDB, auth, marketdata, enricher, feed, ...
    assert first.interrupt() == 0
    wait_for(lambda: not any(_alive(pid) for pid in children), 30, "orphan processes remain")

    secrets = data_dir / "auth"
    assert _mode(secrets) == 0o700
    assert {path.name: _mode(path) for path in secrets.iterdir()} == {
        "signing-key.pem": 0o600,
        "admin-password": 0o600,
    }
    assert (secrets / "admin-password").read_text() == banner.admin_password

    second = launch()
    again = second.wait_running()
    assert again.admin_password == banner.admin_password
    # the signing key is the same: a token of the first run is still good
    wait_for(lambda: _chain_version(again.marketdata, token) > 0, 60, "the stored chain is gone")
    stored = _chain_version(again.marketdata, _login(again.auth, again.admin_password))
    assert second.interrupt() == 0
    assert stored > 3
