"""The live page in a real headless Chromium against the whole platform as processes: log in
through the page's form, see the option chain update, take a screenshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from deltastream import bus
from deltastream.embedded import EmbeddedUrls, free_port
from tests.conftest import TokenAuthority
from tests.e2e.browser.chromium import Page, chromium, chromium_path
from tests.e2e.platform import ServiceProcesses, wait_serving

pytestmark = pytest.mark.e2e

ADMIN = "page-admin"
PASSWORD = "a long enough password"  # noqa: S105 - the test platform's bootstrap admin
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INSTALL = "tests/e2e/browser/install-chromium.sh"
CHEAP_HASHING = {"password_memory_kib": "1024", "password_time_cost": "1"}  # a test's Argon2


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the gateway at {url} did not become healthy in {timeout} s")


def start_platform(services: ServiceProcesses, signing_key: str) -> str:
    """Auth (signing with ``signing_key``, with a bootstrap admin), MarketData, Analytics,
    Alerts, the enricher, the feed and the gateway; returns the gateway's URL."""
    ports = {name: free_port() for name in ("marketdata", "auth", "alerts", "analytics")}
    targets = {f"{name}_target": f"127.0.0.1:{port}" for name, port in ports.items()}
    services.start(
        "deltastream.auth",
        grpc_host="127.0.0.1",
        grpc_port=str(ports["auth"]),
        auth_private_key=signing_key,
        auth_bootstrap_admin=ADMIN,
        auth_bootstrap_password=PASSWORD,
        **CHEAP_HASHING,
    )
    wait_serving(targets["auth_target"])  # the gateway fetches its key set at start
    for name in ("marketdata", "alerts", "analytics"):
        services.start(f"deltastream.{name}", grpc_host="127.0.0.1", grpc_port=str(ports[name]))
    services.start("deltastream.enricher", consumer_name="page-enricher")
    services.start("deltastream.feed", quotes_per_second="1000")
    http_port = free_port()
    services.start(  # the gateway fetches the key set from Auth, as in a cluster
        "deltastream.gateway",
        http_host="127.0.0.1",
        http_port=str(http_port),
        auth_public_key="",
        **targets,
    )
    for target in targets.values():
        wait_serving(target)
    url = f"http://127.0.0.1:{http_port}"
    wait_healthy(url)
    return url


@pytest.fixture
def gateway_url(
    server_urls: EmbeddedUrls,
    redis_client: redis.Redis,
    mongo_db_name: str,
    token_authority: TokenAuthority,
    tmp_path: Path,
) -> Iterator[str]:
    for underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY"):  # the platform's fixed stream names
        redis_client.delete(bus.ticks_stream(underlying), bus.enriched_stream(underlying))
    services = ServiceProcesses(server_urls, mongo_db_name, tmp_path, token_authority.public_pem)
    try:
        yield start_platform(services, token_authority.private_pem.get_secret_value())
    finally:
        services.stop_all()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"Debian's chromium is not installed; run {INSTALL} (make test does)")
    (tmp_path / "browser").mkdir()
    with chromium(executable, tmp_path / "browser") as tab:
        yield tab


def log_in(page: Page, username: str, password: str) -> None:
    page.evaluate(
        f"""(() => {{
            document.getElementById('username').value = {username!r};
            document.getElementById('password').value = {password!r};
            document.getElementById('login-form').requestSubmit();
        }})()"""
    )


CHAIN_TEXT = "document.querySelector('#chain-table tbody').innerText"


def test_log_in_see_the_chain_update_and_take_a_screenshot(
    gateway_url: str, page: Page, tmp_path: Path
) -> None:
    page.open(gateway_url)
    log_in(page, ADMIN, PASSWORD)
    page.wait_for("document.getElementById('status').dataset.state === 'live'", 30, "not live")
    page.wait_for(
        "document.querySelectorAll('#chain-table tbody td[data-field=\"call-iv\"]').length > 5",
        60,
        "no chain rows",
    )
    first = page.evaluate(CHAIN_TEXT)
    page.wait_for(f"{CHAIN_TEXT} !== {first!r}", 60, "the chain did not change")
    assert "%" in page.evaluate(CHAIN_TEXT)  # implied volatilities are shown
    page.wait_for(
        "document.querySelectorAll('#smile-chart polyline').length > 0", 30, "no smile drawn"
    )
    screenshot = page.screenshot(tmp_path / "live-page.png")
    assert screenshot.startswith(PNG_SIGNATURE)
    assert len(screenshot) > 10_000
