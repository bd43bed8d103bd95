"""``python -m deltastream_operator``: the MarketHoursScaler operator, configured from the env."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY, start_http_server

from deltastream.logs import configure_logging
from deltastream_operator.config import OperatorConfig
from deltastream_operator.running import run


def main() -> None:
    config = OperatorConfig()
    configure_logging("operator", config.log_level)
    start_http_server(config.metrics_port, registry=REGISTRY)
    asyncio.run(run(config, metrics_registry=REGISTRY))


if __name__ == "__main__":
    main()
