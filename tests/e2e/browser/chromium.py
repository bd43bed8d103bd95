"""Debian's headless Chromium driven over the Chrome DevTools Protocol (a WebSocket), with no
browser download and no driver: start it, open a page, evaluate JavaScript in it, take a
screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
START_SECONDS = 30.0
CALL_SECONDS = 30.0


class BrowserError(AssertionError):
    """The browser or the page did not do what the test needs."""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One tab, spoken to over its DevTools WebSocket."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its result (events in between are skipped)."""
        command_id = next(self._ids)
        self._connection.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + CALL_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            message = json.loads(self._connection.recv(timeout=left))
            if message.get("id") == command_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
        raise BrowserError(f"{method}: no answer within {CALL_SECONDS} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise BrowserError(f"{what} within {timeout} s")

    def open(self, url: str) -> None:
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", 30, f"{url} did not load")

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data


@contextmanager
def chromium(executable: str, directory: Path) -> Iterator[Page]:
    """A headless Chromium with a fresh profile under ``directory`` (its log beside it), and
    its first tab."""
    profile, log_path = directory / "profile", directory / "chromium.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - a fixed executable and flags
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _devtools_port(process, profile, log_path)
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        with connect(page_url, max_size=64 * 2**20, open_timeout=10) as connection:
            yield Page(connection)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _devtools_port(process: subprocess.Popen[bytes], profile: Path, log_path: Path) -> int:
    """The DevTools port the browser chose, from the file it writes in its profile."""
    active_port = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if active_port.exists():
            first_line = active_port.read_text().split("\n", 1)[0].strip()
            if first_line.isdigit():
                return int(first_line)
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")[-2000:]
    raise BrowserError(f"chromium did not start (exit {process.poll()}): {log}")
