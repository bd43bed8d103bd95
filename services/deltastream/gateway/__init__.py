"""The gateway: REST and a WebSocket feed over the gRPC services, and the live page.

It authenticates callers itself (``deltastream.auth``), forwards their credential to the
services it calls, and holds no business logic of its own. Run it with
``python -m deltastream.gateway``; build an application in a test with
``create_app(GatewaySettings(...))``.
"""

from deltastream.gateway.app import create_app
from deltastream.gateway.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]
