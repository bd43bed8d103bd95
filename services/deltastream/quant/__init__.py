"""deltastream.quant: option math on numpy arrays, with no I/O and nothing of ours imported.

Pricing (Black-Scholes-Merton, Black-76), implied volatility with a reason code for every
element that has none, Greeks, the parity-implied forward, chain statistics (PCR, max pain,
ATM IV, 25-delta risk reversal and butterfly, term structure, build-up, IV rank and
percentile) and an SVI volatility surface with arbitrage checks. Every
function takes arrays (or scalars that broadcast) and loops over no option in Python.
See ``docs/quant.md`` for conventions and units.
"""

from __future__ import annotations

from deltastream.quant.chain import expiry_payout, max_pain, pcr
from deltastream.quant.forward import implied_forward
from deltastream.quant.greeks import Greeks, greeks
from deltastream.quant.implied_volatility import (
    IvReason,
    implied_vol,
    implied_vol_black76,
    implied_vol_black76_with_reason,
    implied_vol_with_reason,
)
from deltastream.quant.positioning import BuildUp, build_up, iv_percentile, iv_rank, oi_change
from deltastream.quant.pricing import black76_price, bsm_price
from deltastream.quant.smile import (
    SmileSummary,
    TermStructure,
    atm_iv,
    smile_summary,
    term_structure,
)
from deltastream.quant.surface import (
    SmileFitError,
    SviSlice,
    VolSurface,
    butterfly_arbitrage,
    fit_svi,
)

__all__ = [
    "BuildUp",
    "Greeks",
    "IvReason",
    "SmileFitError",
    "SmileSummary",
    "SviSlice",
    "TermStructure",
    "VolSurface",
    "atm_iv",
    "black76_price",
    "bsm_price",
    "build_up",
    "butterfly_arbitrage",
    "expiry_payout",
    "fit_svi",
    "greeks",
    "implied_forward",
    "implied_vol",
    "implied_vol_black76",
    "implied_vol_black76_with_reason",
    "implied_vol_with_reason",
    "iv_percentile",
    "iv_rank",
    "max_pain",
    "oi_change",
    "pcr",
    "smile_summary",
    "term_structure",
]
