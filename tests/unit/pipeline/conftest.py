"""Keep sync and async tests from leaking event loops into each other.

looptime's pytest plugin asks the event loop policy for the current loop in every test, and in
a sync test on the main thread, with no loop set yet, Python 3.11's policy quietly creates one.
The next pytest-asyncio test replaces that loop without closing it, and its ResourceWarning
(an error here) then fails whichever test is running when it is collected. With the loop
explicitly unset, the policy raises instead of creating one, which the plugin expects.
"""

from __future__ import annotations

import asyncio


def pytest_configure() -> None:
    asyncio.set_event_loop(None)
