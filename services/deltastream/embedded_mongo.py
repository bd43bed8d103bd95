"""The embedded MongoDB-wire server: SecantusDB as ``python -m secantus`` runs it, without its
TTL monitor. ``python -m deltastream.embedded_mongo STORAGE_PATH PORT`` (``embedded`` starts it).

SecantusDB's TTL sweep decodes every document of each collection with a TTL index while it
holds its storage-wide lock, once a minute. With a running platform's chain history that
stalled every write for longer and longer (a third of a second after four minutes, seconds
later on), and the enricher's stores queued behind it. Its daemon reads no setting for the
sweep (``[storage] ttl_sweep_seconds`` in its configuration file is parsed and not passed on),
so this starts its server class with the sweep off. History stored in an embedded server is
then kept until its data directory is deleted; production's MongoDB expires it by the TTL
indexes (``store.ensure_indexes``), whose monitor walks the index instead.
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from secantus.server import SecantusDBServer


def serve(storage_path: str, port: int) -> None:
    """Serve on 127.0.0.1:``port`` until SIGTERM or SIGINT."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    server = SecantusDBServer(
        host="127.0.0.1",
        port=port,
        storage_path=storage_path,
        enable_test_commands=False,  # as the daemon: no fail points on a listening port
        ttl_sweep_seconds=0,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server.start()
    server.wait()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
