"""Text for a terminal from Analytics replies: a chain's statistics with the open-interest
build-up per strike, and the fitted volatility surface with its arbitrage checks.

Pure functions of the messages (and of the time zone they are given), tested without a server;
a missing number (NaN) shows as ``-``, like the chain table's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from deltastream.cli.render import (
    MISSING,
    count_text,
    days_text,
    percent_text,
    price_text,
    ratio_text,
    strike_text,
    timestamp_text,
)
from deltastream.v1 import analytics_pb2 as pb

BUILD_UP_LABELS = {
    pb.BUILD_UP_UNSPECIFIED: MISSING,
    pb.BUILD_UP_NEUTRAL: "neutral",
    pb.BUILD_UP_LONG_BUILD_UP: "long build-up",
    pb.BUILD_UP_SHORT_BUILD_UP: "short build-up",
    pb.BUILD_UP_SHORT_COVERING: "short covering",
    pb.BUILD_UP_LONG_UNWINDING: "long unwinding",
}


def analytics_text(reply: pb.GetChainAnalyticsResponse, zone: dt.tzinfo) -> str:
    """The header, the statistics, and the build-up table."""
    return "\n".join([*analytics_header(reply, zone), "", *build_up_table(reply)])


def analytics_header(reply: pb.GetChainAnalyticsResponse, zone: dt.tzinfo) -> list[str]:
    """Where and when the chain is, then PCR and max pain, the smile, and the IV's standing."""
    analytics, smile, standing = reply.analytics, reply.smile, reply.iv_standing
    baseline = timestamp_text(reply.baseline_timestamp_ns, zone, with_zone=True)
    return [
        f"{reply.underlying} {reply.expiry} ({days_text(reply.time_to_expiry)})"
        f"  spot {price_text(reply.spot)}  forward {price_text(reply.forward)}"
        f"  at {timestamp_text(reply.timestamp_ns, zone, with_zone=True)}"
        f"  version {reply.version}",
        f"PCR(OI) {ratio_text(analytics.pcr_open_interest)}"
        f"  PCR(vol) {ratio_text(analytics.pcr_volume)}"
        f"  max pain {strike_text(analytics.max_pain)}",
        f"ATM IV {percent_text(smile.atm_iv)}"
        f"  25d call {percent_text(smile.call_wing_iv)}"
        f"  25d put {percent_text(smile.put_wing_iv)}"
        f"  RR {points_text(smile.risk_reversal)}"
        f"  BF {points_text(smile.butterfly)}",
        f"IV rank {_number(standing.iv_rank, 1)}"
        f"  IV percentile {_number(standing.iv_percentile, 1)}"
        f"  over {count_text(standing.samples)} samples"
        f" ({percent_text(standing.low)} to {percent_text(standing.high)})",
        f"build-up since {baseline}",
    ]


def build_up_table(reply: pb.GetChainAnalyticsResponse) -> list[str]:
    """One line per strike: the call's OI, its change, price change and build-up on the left,
    the put's mirrored on the right."""
    statistics = ["OI", "OI chg", "price chg", "build-up"]
    header = [*statistics[::-1], "strike", *statistics]
    rows = sorted(reply.build_up, key=lambda row: row.strike)
    body = [
        [
            *_option_cells(row.call)[::-1],
            strike_text(row.strike),
            *_option_cells(row.put),
        ]
        for row in rows
    ]
    return aligned_table(header, body, separator_after=(len(statistics) - 1, len(statistics)))


def points_text(value: float) -> str:
    """A volatility difference in points, signed: 0.0123 -> ``+1.23``."""
    return f"{value * 100:+.2f}" if math.isfinite(value) else MISSING


def signed_text(value: float, decimals: int) -> str:
    """A signed change (``+12.50``); ``0`` unsigned; ``-`` for NaN."""
    if not math.isfinite(value):
        return MISSING
    return f"{value:+,.{decimals}f}" if value else "0"


def surface_text(reply: pb.GetSurfaceResponse) -> str:
    """The IV grid (percent; rows are times to expiry, columns log-moneyness), then each
    slice's SVI fit, the arbitrage checks, and the expiries left out."""
    lines = [f"{reply.underlying} volatility surface (IV %, columns ln(K/F))", ""]
    lines += surface_grid(reply)
    lines += ["", *slice_lines(reply)]
    if reply.skipped:
        lines += ["", *(f"skipped {skip.expiry}: {skip.reason}" for skip in reply.skipped)]
    return "\n".join(lines)


def surface_grid(reply: pb.GetSurfaceResponse) -> list[str]:
    expiries = {round(item.time_to_expiry, 9): item.expiry for item in reply.slices}
    header = ["expiry", "days", *(f"{k:+.3f}" for k in reply.log_moneyness)]
    body = [
        [
            expiries.get(round(row.time_to_expiry, 9), MISSING),
            days_text(row.time_to_expiry).removesuffix("d"),
            *(_number(iv * 100, 2) for iv in row.implied_vol),
        ]
        for row in reply.rows
    ]
    return aligned_table(header, body, separator_after=(1,))


def slice_lines(reply: pb.GetSurfaceResponse) -> list[str]:
    """The fit of each slice and its butterfly check, and the calendar check between slices."""
    lines = []
    for index, item in enumerate(reply.slices):
        svi = item.svi
        lines.append(
            f"{item.expiry}  forward {price_text(item.forward)}  quotes {item.quotes}"
            f"  SVI a={svi.a:.5f} b={svi.b:.5f} rho={svi.rho:+.3f} m={svi.m:+.4f}"
            f" s={svi.s:.4f}  rmse {svi.rmse:.2e}"
            f"  butterfly arbitrage: {_yes_no(item.butterfly_arbitrage)}"
        )
        if index < len(reply.calendar_arbitrage):
            following = reply.slices[index + 1].expiry if index + 1 < len(reply.slices) else "?"
            verdict = _yes_no(reply.calendar_arbitrage[index])
            lines.append(f"  calendar arbitrage to {following}: {verdict}")
    return lines


def aligned_table(
    header: Sequence[str], body: Sequence[Sequence[str]], separator_after: Sequence[int] = ()
) -> list[str]:
    """Right-aligned columns two spaces apart, ``|`` after the columns ``separator_after``
    names, and a rule under the header."""
    rows = [list(header), *(list(row) for row in body)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        text = ""
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            gap = " | " if index - 1 in separator_after else "  "
            text += (gap if index else "") + cell.rjust(width)
        return text

    rule = line(["-" * width for width in widths]).replace(" | ", "-|-").replace(" ", "-")
    return [line(rows[0]), rule, *(line(row) for row in rows[1:])]


def _option_cells(option: pb.OptionBuildUp) -> list[str]:
    return [
        count_text(option.open_interest),
        signed_text(option.open_interest_change, 0),
        signed_text(option.price_change, 2),
        BUILD_UP_LABELS.get(option.build_up, MISSING),
    ]


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if math.isfinite(value) else MISSING


def _yes_no(flag: bool) -> str:
    return "YES" if flag else "no"
