"""DeltaStream: real-time option analytics over a live stream of quotes.

The package is layered one way: service wiring (``<service>/__main__.py``) -> service logic
(``feed``, ``enricher``, ``marketdata``, ``cli``) -> adapters (``bus``, ``store``) and
domain (``market``) -> the pure numeric core (``quant``).
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
