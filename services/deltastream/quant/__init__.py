"""deltastream.quant: option math on numpy arrays, with no I/O and nothing of ours imported.

Pricing (Black-Scholes-Merton, Black-76), implied volatility with a reason code for every
element that has none, Greeks, the parity-implied forward, and chain statistics. Every
function takes arrays (or scalars that broadcast) and loops over no option in Python.
See ``docs/quant.md`` for conventions and units.
"""

from __future__ import annotations

from deltastream.quant.chain import max_pain, pcr
from deltastream.quant.forward import implied_forward
from deltastream.quant.greeks import Greeks, greeks
from deltastream.quant.implied_volatility import (
    IvReason,
    implied_vol,
    implied_vol_black76,
    implied_vol_black76_with_reason,
    implied_vol_with_reason,
)
from deltastream.quant.pricing import black76_price, bsm_price

__all__ = [
    "Greeks",
    "IvReason",
    "black76_price",
    "bsm_price",
    "greeks",
    "implied_forward",
    "implied_vol",
    "implied_vol_black76",
    "implied_vol_black76_with_reason",
    "implied_vol_with_reason",
    "max_pain",
    "pcr",
]
