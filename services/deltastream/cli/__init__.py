"""``deltastream``: the command-line client of the MarketData, Analytics and Alerts services.

Usage::

    deltastream login                               # as admin; prompts for the password
    deltastream login --user asha --password-stdin < password.txt
    deltastream whoami                              # asha (trader) with an access token
    deltastream logout                              # revokes the session and forgets it
    deltastream chain NIFTY                         # nearest expiry, as a table
    deltastream chain NIFTY --expiry 2026-12-01 --strikes 10 --mid
    deltastream chain NIFTY --json                  # the ChainSnapshot as proto3 JSON
    deltastream expiries NIFTY                      # one ISO date per line, nearest first
    deltastream watch NIFTY BANKNIFTY               # one line per update until Ctrl-C
    deltastream watch NIFTY --expiry 2026-12-01 --count 5
    deltastream history NIFTY --expiry 2026-12-01 --since 10m
    deltastream analytics NIFTY [--expiry 2026-12-01]  # PCR, max pain, smile, IV rank, build-up
    deltastream surface NIFTY                       # SVI IV grid and arbitrage checks
    deltastream alerts add NIFTY --kind price --above 24500 --cooldown 5m [--webhook URL]
    deltastream alerts add NIFTY --kind iv --expiry 2026-12-01 --strike 24000 --call --crosses 0.2
    deltastream alerts list [NIFTY]                 # your rules
    deltastream alerts rm ID [ID ...]
    deltastream alerts watch [NIFTY ...] [--count N]  # one line per event until Ctrl-C

Every MarketData command takes ``--target host:port`` (default
``$DELTASTREAM_MARKETDATA_TARGET``, else ``localhost:50051``), ``--timeout SECONDS`` (wait for
the server and for each call; default ``$DELTASTREAM_MARKETDATA_TIMEOUT_SECONDS``, else 5),
``--json`` and ``--tz ZONE`` (time zone of printed times; default local). ``login`` asks Auth
at ``--auth-target`` (default ``$DELTASTREAM_AUTH_TARGET``, else ``localhost:50052``).
``analytics`` and ``surface`` call Analytics at ``--target`` (default
``$DELTASTREAM_ANALYTICS_TARGET``, else ``localhost:50054``); ``alerts`` calls Alerts (default
``$DELTASTREAM_ALERTS_TARGET``, else ``localhost:50053``). Alert kinds: ``price``, ``pcr``,
``iv``, ``atm-iv``, ``iv-change``, ``max-pain-move``, ``oi-change``; one of ``--above``,
``--below``, ``--crosses`` gives the direction and the threshold.

Every call carries a credential: ``$DELTASTREAM_API_KEY`` when set (a service account), else
the access token of the session that ``login`` stored in
``$XDG_CONFIG_HOME/deltastream/session.json`` (default ``~/.config``; mode 0600, directory
0700). An expired access token is renewed with the session's refresh token first, and the new
pair stored; ``logout`` revokes the session at Auth and deletes the file.

The chain table has the calls on the left, the strike in the middle and the puts on the right:
bid and ask (or the mid), IV in %, delta, open interest and its change since the open; the ATM
strike is marked ``>24000<``. The header gives spot, forward, days to expiry, the time of the
newest quote, PCR by open interest and volume, max pain and ATM IV. ``watch`` prints the time,
underlying, expiry, version, spot, ATM IV, PCR, max pain and the latency from the newest quote
of the chain to its arrival here.

A failure prints ``error: <STATUS>: <details>`` to stderr, without a traceback, and exits 2
when the server rejects the request (INVALID_ARGUMENT, NOT_FOUND), 1 otherwise (an unreachable
server included); argparse exits 2 on a bad command line; Ctrl-C ends ``watch`` with 0. Without
a usable session (or with a refused token) it prints ``error: not logged in (run: deltastream
login)``; a role too low prints ``error: permission denied: <who> lacks the <role> role``; both
exit 1.
"""
