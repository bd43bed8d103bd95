"""The REST API fuzzed from its own OpenAPI schema (schemathesis): whatever a client sends, the
gateway answers with a status its schema documents, a body its schema describes, and never a
server error. The calls reach the running services with a trader's token."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deltastream.gateway import GatewaySettings, create_app
from tests.integration.gateway.conftest import Platform, bearer

pytestmark = pytest.mark.integration

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The schema the application builds (test_openapi checks the served one is the same); loaded
# here, before any server runs, so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(create_app(GatewaySettings()).openapi())


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_route_answers_outside_its_schema(
    case: schemathesis.Case[Any], platform: Platform, trader_token: str
) -> None:
    case.call_and_validate(base_url=platform.url, headers=bearer(trader_token), checks=CHECKS)
