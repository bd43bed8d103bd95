"""A typed, blocking client of the Alerts service for the command line: create, list and
delete the caller's rules, and follow their events as they fire."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeAlias

from deltastream.cli.client import Connection, Metadata, ready_channel
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import alerts_pb2_grpc as pb_grpc

Stub: TypeAlias = Any  # the generated AlertsStub; grpcio ships no type information

RULES_PAGE_SIZE = 100


class AlertsClient:
    def __init__(self, stub: Stub, timeout_seconds: float, metadata: Metadata = ()) -> None:
        self._stub = stub
        self._timeout = timeout_seconds
        self._metadata = metadata

    def create(self, spec: pb.RuleSpec) -> pb.CreateRuleResponse:
        reply: pb.CreateRuleResponse = self._stub.CreateRule(
            pb.CreateRuleRequest(rule=spec), timeout=self._timeout, metadata=self._metadata
        )
        return reply

    def rules(self, underlying: str = "") -> Iterator[pb.Rule]:
        """The caller's rules, oldest first, fetched a page at a time."""
        token = ""
        while True:
            request = pb.ListRulesRequest(
                underlying=underlying, page_size=RULES_PAGE_SIZE, page_token=token
            )
            reply: pb.ListRulesResponse = self._stub.ListRules(
                request, timeout=self._timeout, metadata=self._metadata
            )
            yield from reply.rules
            token = reply.next_page_token
            if not token:
                return

    def delete(self, rule_id: str) -> None:
        """Delete one of the caller's rules (NOT_FOUND when there is no such rule)."""
        self._stub.DeleteRule(
            pb.DeleteRuleRequest(rule_id=rule_id), timeout=self._timeout, metadata=self._metadata
        )

    @contextlib.contextmanager
    def events(
        self, underlyings: list[str], rule_ids: list[str]
    ) -> Iterator[Iterator[pb.AlertEvent]]:
        """Events as they fire, until the server ends the stream; leaving the block cancels."""
        request = pb.StreamEventsRequest(underlyings=underlyings, rule_ids=rule_ids)
        call = self._stub.StreamEvents(request, metadata=self._metadata)
        try:
            yield call
        finally:
            call.cancel()


@contextlib.contextmanager
def connect_alerts(connection: Connection, metadata: Metadata) -> Iterator[AlertsClient]:
    """A client of a ready Alerts server, or ``ServerUnreachableError`` after the timeout."""
    with ready_channel(connection, "Alerts") as channel:
        stub = pb_grpc.AlertsStub(channel)  # type: ignore[no-untyped-call]
        yield AlertsClient(stub, connection.timeout_seconds, metadata)
