"""History snapshots written on a thread of their own, off the tick-to-client path.

The latest chain is stored before its entries are acknowledged; history is a sampled record
of it (at most one snapshot per chain per interval), so it need not hold up the next batch. A
bounded queue keeps memory flat if the database falls behind: the oldest pending snapshots are
dropped and counted, never the live chain. With a ``pace``, each write waits for it first (the
enricher's: right after the loop submits a batch, so that the write's encoding falls while the
loop waits for its next read).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pymongo.errors import PyMongoError

from deltastream import store
from deltastream.enricher import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Snapshots:
    chains: list[store.Document]
    analytics: list[store.Document]


class HistoryWriter:
    """Appends snapshots in submission order; ``close`` writes what is pending, then stops."""

    def __init__(
        self,
        chains: store.ChainStore,
        max_pending: int = 256,
        pace: Callable[[], None] | None = None,
    ) -> None:
        self._chains = chains
        self.pace = pace
        """Called before each write, which waits until it returns (None: write at once)."""
        self._pending: queue.Queue[_Snapshots | None] = queue.Queue(maxsize=max_pending)
        metrics.HISTORY_WAITING.set_function(self._pending.qsize)
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    def submit(self, chains: list[store.Document], analytics: list[store.Document]) -> None:
        """Queue snapshots for writing; drops the oldest pending ones when the queue is full."""
        item = _Snapshots(chains, analytics)
        while True:
            try:
                self._pending.put_nowait(item)
                return
            except queue.Full:
                self._drop_oldest()

    def flush(self) -> None:
        """Wait until everything submitted so far is written (or failed)."""
        self._pending.join()

    def close(self) -> None:
        self._pending.put(None)
        self._thread.join()

    def _drop_oldest(self) -> None:
        try:
            dropped = self._pending.get_nowait()
        except queue.Empty:
            return
        self._pending.task_done()
        if dropped is not None:
            metrics.HISTORY_DROPPED.inc(len(dropped.chains))

    def _run(self) -> None:
        while True:
            item = self._pending.get()
            try:
                if item is None:
                    return
                if self.pace is not None:
                    self.pace()
                self._chains.append_history(item.chains, item.analytics)
            except PyMongoError:
                metrics.HISTORY_DROPPED.inc(len(item.chains) if item else 0)
                log.exception("writing history snapshots failed; they are dropped")
            finally:
                self._pending.task_done()
