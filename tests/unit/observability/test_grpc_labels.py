"""The labels of the gRPC RED metrics."""

from __future__ import annotations

import pytest

from deltastream.grpcmetrics import method_labels


@pytest.mark.parametrize(
    ("full_method", "streaming", "labels"),
    [
        (
            "/deltastream.v1.MarketData/GetChain",
            False,
            ("deltastream.v1.MarketData", "GetChain", "unary"),
        ),
        (
            "/deltastream.v1.MarketData/Subscribe",
            True,
            ("deltastream.v1.MarketData", "Subscribe", "server_stream"),
        ),
        ("odd", False, ("unknown", "odd", "unary")),
    ],
)
def test_a_full_method_becomes_service_method_and_type(
    full_method: str, streaming: bool, labels: tuple[str, str, str]
) -> None:
    assert method_labels(full_method, streaming) == labels
