"""The one mapping from failures to HTTP: gRPC statuses, the field a service names, and
FastAPI's validation errors."""

from __future__ import annotations

import grpc
import pytest

from deltastream.errors import InvalidArgumentError
from deltastream.gateway.errors import HTTP_STATUS_OF, split_field, validation_error


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 400),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.UNAUTHENTICATED, 401),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
    ],
)
def test_the_statuses_the_services_use(code: grpc.StatusCode, status: int) -> None:
    assert HTTP_STATUS_OF[code] == status


def test_a_service_failure_is_never_mapped_to_a_gateway_500() -> None:
    assert 500 not in HTTP_STATUS_OF.values()
    assert grpc.StatusCode.INTERNAL not in HTTP_STATUS_OF  # a 502: the service failed


def test_the_field_of_an_invalid_argument_is_split_off() -> None:
    error = InvalidArgumentError("rule.expiry", "not an ISO date: 'x: y'")
    assert split_field(grpc.StatusCode.INVALID_ARGUMENT, str(error)) == (
        "rule.expiry",
        "not an ISO date: 'x: y'",
    )


@pytest.mark.parametrize(
    ("code", "details"),
    [
        (grpc.StatusCode.NOT_FOUND, "not found: chain NIFTY"),
        (grpc.StatusCode.UNAUTHENTICATED, "unauthenticated: access token expired"),
        (grpc.StatusCode.INVALID_ARGUMENT, "Boom"),
    ],
)
def test_a_message_without_a_field_keeps_its_words(code: grpc.StatusCode, details: str) -> None:
    assert split_field(code, details) == (None, details)


def test_a_validation_error_names_the_field_without_its_location() -> None:
    body = validation_error(
        [{"loc": ("body", "rule", "expiry"), "msg": "Input should be a valid string"}]
    )
    assert (body.code, body.field) == ("INVALID_ARGUMENT", "rule.expiry")
    assert validation_error([{"loc": ("query", "page_size"), "msg": "x"}]).field == "page_size"


def test_a_validation_error_of_the_whole_body_names_no_field() -> None:
    assert validation_error([{"loc": ("body",), "msg": "Field required"}]).field is None
