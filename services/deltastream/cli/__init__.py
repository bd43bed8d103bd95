"""``deltastream``: the command-line client of the MarketData gRPC service.

Usage::

    deltastream chain NIFTY                         # nearest expiry, as a table
    deltastream chain NIFTY --expiry 2026-12-01 --strikes 10 --mid
    deltastream chain NIFTY --json                  # the ChainSnapshot as proto3 JSON
    deltastream expiries NIFTY                      # one ISO date per line, nearest first
    deltastream watch NIFTY BANKNIFTY               # one line per update until Ctrl-C
    deltastream watch NIFTY --expiry 2026-12-01 --count 5
    deltastream history NIFTY --expiry 2026-12-01 --since 10m

Every command takes ``--target host:port`` (default ``$DELTASTREAM_MARKETDATA_TARGET``, else
``localhost:50051``), ``--timeout SECONDS`` (wait for the server and for each call; default
``$DELTASTREAM_MARKETDATA_TIMEOUT_SECONDS``, else 5),
``--json`` and ``--tz ZONE`` (time zone of printed times; default local).

The chain table has the calls on the left, the strike in the middle and the puts on the right:
bid and ask (or the mid), IV in %, delta, open interest and its change since the open; the ATM
strike is marked ``>24000<``. The header gives spot, forward, days to expiry, the time of the
newest quote, PCR by open interest and volume, max pain and ATM IV. ``watch`` prints the time,
underlying, expiry, version, spot, ATM IV, PCR, max pain and the latency from the newest quote
of the chain to its arrival here.

A failure prints ``error: <STATUS>: <details>`` to stderr, without a traceback, and exits 2
when the server rejects the request (INVALID_ARGUMENT, NOT_FOUND), 1 otherwise (an unreachable
server included); argparse exits 2 on a bad command line; Ctrl-C ends ``watch`` with 0.
"""
