"""Typed clients of the four gRPC services the gateway calls, over channels opened once.

The generated stubs carry no types and no deadlines; these do: every unary call has the
configured deadline and carries the caller's metadata, and a streaming call is cancelled when
the caller stops reading it. Failures are left as ``grpc.aio.AioRpcError`` for the one mapping
to HTTP (``deltastream.gateway.errors``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar, cast

import grpc
from google.protobuf.message import Message

from deltastream.gateway.settings import GatewaySettings
from deltastream.v1 import (
    alerts_pb2,
    alerts_pb2_grpc,
    analytics_pb2,
    analytics_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    market_data_pb2,
    market_data_pb2_grpc,
)

Metadata = tuple[tuple[str, str], ...]
Reply = TypeVar("Reply", bound=Message)
NO_METADATA: Metadata = ()


class _Client:
    def __init__(self, stub: Any, deadline_seconds: float) -> None:
        self._stub = stub
        self._deadline = deadline_seconds

    async def _unary(
        self, method: str, request: Message, reply: type[Reply], metadata: Metadata
    ) -> Reply:
        response = await getattr(self._stub, method)(
            request, timeout=self._deadline, metadata=metadata
        )
        return cast(Reply, response)

    async def _stream(
        self, method: str, request: Message, reply: type[Reply], metadata: Metadata
    ) -> AsyncGenerator[Reply, None]:
        """The replies of a server-streaming call; closing the generator cancels the call."""
        call = getattr(self._stub, method)(request, metadata=metadata)
        try:
            async for response in call:
                yield cast(Reply, response)
        finally:
            call.cancel()


class MarketDataClient(_Client):
    async def get_chain(
        self, request: market_data_pb2.GetChainRequest, metadata: Metadata
    ) -> market_data_pb2.GetChainResponse:
        return await self._unary("GetChain", request, market_data_pb2.GetChainResponse, metadata)

    async def list_expiries(
        self, request: market_data_pb2.ListExpiriesRequest, metadata: Metadata
    ) -> market_data_pb2.ListExpiriesResponse:
        reply = market_data_pb2.ListExpiriesResponse
        return await self._unary("ListExpiries", request, reply, metadata)

    async def get_history(
        self, request: market_data_pb2.GetHistoryRequest, metadata: Metadata
    ) -> market_data_pb2.GetHistoryResponse:
        reply = market_data_pb2.GetHistoryResponse
        return await self._unary("GetHistory", request, reply, metadata)

    def subscribe(
        self, request: market_data_pb2.SubscribeRequest, metadata: Metadata
    ) -> AsyncGenerator[market_data_pb2.ChainUpdate, None]:
        return self._stream("Subscribe", request, market_data_pb2.ChainUpdate, metadata)


class AnalyticsClient(_Client):
    async def get_chain_analytics(
        self, request: analytics_pb2.GetChainAnalyticsRequest, metadata: Metadata
    ) -> analytics_pb2.GetChainAnalyticsResponse:
        reply = analytics_pb2.GetChainAnalyticsResponse
        return await self._unary("GetChainAnalytics", request, reply, metadata)

    async def get_history(
        self, request: analytics_pb2.GetAnalyticsHistoryRequest, metadata: Metadata
    ) -> analytics_pb2.GetAnalyticsHistoryResponse:
        reply = analytics_pb2.GetAnalyticsHistoryResponse
        return await self._unary("GetHistory", request, reply, metadata)

    async def get_term_structure(
        self, request: analytics_pb2.GetTermStructureRequest, metadata: Metadata
    ) -> analytics_pb2.GetTermStructureResponse:
        reply = analytics_pb2.GetTermStructureResponse
        return await self._unary("GetTermStructure", request, reply, metadata)

    async def get_surface(
        self, request: analytics_pb2.GetSurfaceRequest, metadata: Metadata
    ) -> analytics_pb2.GetSurfaceResponse:
        reply = analytics_pb2.GetSurfaceResponse
        return await self._unary("GetSurface", request, reply, metadata)


class AlertsClient(_Client):
    async def create_rule(
        self, request: alerts_pb2.CreateRuleRequest, metadata: Metadata
    ) -> alerts_pb2.CreateRuleResponse:
        reply = alerts_pb2.CreateRuleResponse
        return await self._unary("CreateRule", request, reply, metadata)

    async def list_rules(
        self, request: alerts_pb2.ListRulesRequest, metadata: Metadata
    ) -> alerts_pb2.ListRulesResponse:
        return await self._unary("ListRules", request, alerts_pb2.ListRulesResponse, metadata)

    async def delete_rule(
        self, request: alerts_pb2.DeleteRuleRequest, metadata: Metadata
    ) -> alerts_pb2.DeleteRuleResponse:
        return await self._unary("DeleteRule", request, alerts_pb2.DeleteRuleResponse, metadata)

    async def list_events(
        self, request: alerts_pb2.ListEventsRequest, metadata: Metadata
    ) -> alerts_pb2.ListEventsResponse:
        return await self._unary("ListEvents", request, alerts_pb2.ListEventsResponse, metadata)

    def stream_events(
        self, request: alerts_pb2.StreamEventsRequest, metadata: Metadata
    ) -> AsyncGenerator[alerts_pb2.AlertEvent, None]:
        return self._stream("StreamEvents", request, alerts_pb2.AlertEvent, metadata)


class AuthClient(_Client):
    async def login(self, request: auth_pb2.LoginRequest) -> auth_pb2.TokenPair:
        return await self._unary("Login", request, auth_pb2.TokenPair, NO_METADATA)

    async def refresh(self, request: auth_pb2.RefreshRequest) -> auth_pb2.TokenPair:
        return await self._unary("Refresh", request, auth_pb2.TokenPair, NO_METADATA)

    async def logout(self, request: auth_pb2.LogoutRequest) -> auth_pb2.LogoutResponse:
        return await self._unary("Logout", request, auth_pb2.LogoutResponse, NO_METADATA)

    async def who_am_i(self, metadata: Metadata) -> auth_pb2.WhoAmIResponse:
        request = auth_pb2.WhoAmIRequest()
        return await self._unary("WhoAmI", request, auth_pb2.WhoAmIResponse, metadata)


class Upstreams:
    """The channels to the services and a client of each; ``close`` releases them."""

    def __init__(self, settings: GatewaySettings) -> None:
        deadline = settings.call_timeout_seconds
        self._channels: list[grpc.aio.Channel] = []
        self.marketdata = MarketDataClient(
            market_data_pb2_grpc.MarketDataStub(self._open(settings.marketdata_target)),  # type: ignore[no-untyped-call]
            deadline,
        )
        self.analytics = AnalyticsClient(
            analytics_pb2_grpc.AnalyticsStub(self._open(settings.analytics_target)),  # type: ignore[no-untyped-call]
            deadline,
        )
        self.alerts = AlertsClient(
            alerts_pb2_grpc.AlertsStub(self._open(settings.alerts_target)),  # type: ignore[no-untyped-call]
            deadline,
        )
        self.auth = AuthClient(
            auth_pb2_grpc.AuthStub(self._open(settings.auth_target)),  # type: ignore[no-untyped-call]
            deadline,
        )

    def _open(self, target: str) -> grpc.aio.Channel:
        channel = grpc.aio.insecure_channel(target)
        self._channels.append(channel)
        return channel

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()
