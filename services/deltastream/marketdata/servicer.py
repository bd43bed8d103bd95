"""The MarketData gRPC servicer: validates, queries, converts; no business logic of its own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from deltastream import validation
from deltastream.contracts import chain_snapshot
from deltastream.marketdata.encoding import encoded_update
from deltastream.marketdata.fanout import Fanout, Interest, delivery_span
from deltastream.marketdata.queries import ChainQueries
from deltastream.telemetry import traceparent_of
from deltastream.v1 import market_data_pb2 as pb
from deltastream.v1 import market_data_pb2_grpc as pb_grpc

Context: TypeAlias = Any  # grpc.aio.ServicerContext; grpcio ships no type information

HISTORY_PAGE_DEFAULT = 50
HISTORY_PAGE_MAX = 500
SUBSCRIBE_METHOD = f"{pb.DESCRIPTOR.services_by_name['MarketData'].full_name}/Subscribe"


class MarketDataServicer(pb_grpc.MarketDataServicer):
    def __init__(self, queries: ChainQueries, fanout: Fanout) -> None:
        self._queries = queries
        self._fanout = fanout
        self._reads: set[asyncio.Task[list[pb.ChainUpdate]]] = set()

    async def GetChain(self, request: pb.GetChainRequest, context: Context) -> pb.GetChainResponse:
        underlying = validation.underlying(request.underlying)
        expiry = validation.expiry(request.expiry) if request.expiry else None
        document = await self._queries.latest(underlying, expiry)
        return pb.GetChainResponse(chain=chain_snapshot(document))

    async def ListExpiries(
        self, request: pb.ListExpiriesRequest, context: Context
    ) -> pb.ListExpiriesResponse:
        underlying = validation.underlying(request.underlying)
        return pb.ListExpiriesResponse(expiries=await self._queries.expiries(underlying))

    async def GetHistory(
        self, request: pb.GetHistoryRequest, context: Context
    ) -> pb.GetHistoryResponse:
        underlying = validation.underlying(request.underlying)
        expiry = validation.expiry(request.expiry)
        time_range = validation.time_range_ns(request.start_ns, request.end_ns)
        size = validation.page_size(
            request.page_size, default=HISTORY_PAGE_DEFAULT, maximum=HISTORY_PAGE_MAX
        )
        documents, token = await self._queries.history(
            underlying, expiry, time_range, size, request.page_token
        )
        return pb.GetHistoryResponse(
            snapshots=[chain_snapshot(document) for document in documents], next_page_token=token
        )

    async def Subscribe(
        self, request: pb.SubscribeRequest, context: Context
    ) -> AsyncIterator[bytes]:
        """Stored chains, then live updates, each an encoded ``ChainUpdate`` (``encoding``)."""
        interest = Interest(
            underlyings=frozenset(
                validation.underlying(u, "underlyings") for u in request.underlyings
            ),
            expiries=frozenset(
                validation.expiry(e, "expiries").isoformat() for e in request.expiries
            ),
        )
        if not interest.underlyings:
            validation.underlying("", "underlyings")
        resume_from = (
            validation.stream_position(request.resume_from, "resume_from")
            if request.resume_from
            else ""
        )
        async with self._fanout.subscribe(interest) as buffer:
            if not resume_from or not await self._fanout.replay(buffer, resume_from):
                for update in await self._current_to_the_end(interest):
                    buffer.offer(update)
            while True:
                delivery = await buffer.take_delivery()
                with delivery_span(delivery, SUBSCRIBE_METHOD) as span:
                    yield encoded_update(
                        delivery.serialized_chain(),
                        stream_id=delivery.update.stream_id,
                        traceparent=traceparent_of(span.get_span_context()) or "",
                        resume_from=delivery.resume_from,
                    )

    async def _current_to_the_end(self, interest: Interest) -> list[pb.ChainUpdate]:
        """``_current``, finished even when the subscriber leaves meanwhile: pymongo's async
        client leaks the socket of a connection it is opening when its task is cancelled, and
        a subscriber that changes its mind at once would do that."""
        read = asyncio.ensure_future(self._current(interest))
        self._reads.add(read)
        read.add_done_callback(self._finished)
        return await asyncio.shield(read)

    def _finished(self, read: asyncio.Task[list[pb.ChainUpdate]]) -> None:
        self._reads.discard(read)
        if not read.cancelled():
            read.exception()  # retrieved: a caller that left does not care why it failed

    async def _current(self, interest: Interest) -> list[pb.ChainUpdate]:
        """The stored chains a new subscriber starts from."""
        updates = []
        for underlying in sorted(interest.underlyings):
            for expiry in await self._queries.expiries(underlying):
                if interest.expiries and expiry not in interest.expiries:
                    continue
                document = await self._queries.latest(underlying, validation.expiry(expiry))
                updates.append(pb.ChainUpdate(chain=chain_snapshot(document)))
        return updates
