"""The WebSocket feed: live chain updates and alert events for one authenticated client.

``protocol`` is what travels on the socket, ``interest`` what a client follows, ``outbox`` what
is waiting for a slow client (bounded, the latest state per chain), ``session`` one connection
from its authentication to its close.
"""
