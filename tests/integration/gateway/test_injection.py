"""MongoDB operators in every filter parameter are refused, whether sent as a value, as a
bracketed parameter name (``expiry[$ne]=``) or as an object in a JSON body: nothing reaches a
query but plain strings and numbers of the expected shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.gateway.conftest import Platform, bearer

pytestmark = pytest.mark.integration

OPERATORS = ['{"$gt": ""}', "$ne", '{"$where": "sleep(100)"}', "[$regex]=.*"]
RULE_ID = "0" * 32

# (path, the filter parameter, the other parameters the route needs)
QUERY_FILTERS = [
    ("/chains/{u}", "expiry", {}),
    ("/chains/{u}/history", "expiry", {}),
    ("/chains/{u}/history", "page_token", {"expiry": "{e}"}),
    ("/analytics/{u}", "expiry", {}),
    ("/analytics/{u}/history", "expiry", {}),
    ("/analytics/{u}/history", "page_token", {"expiry": "{e}"}),
    ("/alerts/rules", "underlying", {}),
    ("/alerts/rules", "page_token", {}),
    ("/alerts/events", "rule_id", {}),
    ("/alerts/events", "underlying", {}),
    ("/alerts/events", "page_token", {}),
]
PATH_FILTERS = [
    "/chains/{x}",
    "/chains/{x}/expiries",
    "/chains/{x}/history?expiry={e}",
    "/analytics/{x}",
    "/analytics/{x}/history?expiry={e}",
    "/analytics/{x}/term-structure",
    "/analytics/{x}/surface",
]


def filled(text: str, platform: Platform) -> str:
    return text.replace("{u}", platform.underlying).replace("{e}", platform.expiry)


def assert_refused(reply: httpx.Response) -> None:
    assert reply.status_code in {400, 404, 422}, reply.text
    assert reply.json()["code"] in {"INVALID_ARGUMENT", "NOT_FOUND"}


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize(("path", "name", "others"), QUERY_FILTERS)
def test_an_operator_as_a_query_value_is_refused(
    platform: Platform,
    trader_token: str,
    path: str,
    name: str,
    others: dict[str, str],
    operator: str,
) -> None:
    params = {key: filled(value, platform) for key, value in others.items()}
    params[name] = operator
    url = f"{platform.url}/api/v1{filled(path, platform)}"
    reply = httpx.get(url, params=params, headers=bearer(trader_token))
    assert reply.status_code in {400, 422}, reply.text
    assert reply.json()["field"] == name


@pytest.mark.parametrize(("path", "name", "others"), QUERY_FILTERS)
def test_an_operator_in_a_parameter_name_is_refused(
    platform: Platform, trader_token: str, path: str, name: str, others: dict[str, str]
) -> None:
    params = {key: filled(value, platform) for key, value in others.items()}
    params[f"{name}[$ne]"] = "x"
    url = f"{platform.url}/api/v1{filled(path, platform)}"
    reply = httpx.get(url, params=params, headers=bearer(trader_token))
    assert reply.status_code == 422
    assert reply.json()["field"].startswith(f"{name}[$ne]")


@pytest.mark.parametrize("operator", ["$gt", "{'$ne': null}", "a.$where", "NIFTY||1==1"])
@pytest.mark.parametrize("path", PATH_FILTERS)
def test_an_operator_as_a_path_value_is_refused(
    platform: Platform, trader_token: str, path: str, operator: str
) -> None:
    url = f"{platform.url}/api/v1{filled(path.replace('{x}', operator), platform)}"
    reply = httpx.get(url, headers=bearer(trader_token))
    assert reply.status_code in {400, 422}, reply.text
    assert reply.json()["field"] == "underlying"


@pytest.mark.parametrize("operator", ["{'$ne': ''}", "$gt"])
def test_an_operator_as_a_rule_id_is_refused(
    platform: Platform, trader_token: str, operator: str
) -> None:
    url = f"{platform.url}/api/v1/alerts/rules/{operator}"
    assert_refused(httpx.delete(url, headers=bearer(trader_token)))


@pytest.mark.parametrize(
    "field", ["underlying", "expiry", "kind", "direction", "webhook_url", "option_type"]
)
def test_an_operator_object_in_a_rule_is_refused(
    platform: Platform, trader_token: str, field: str
) -> None:
    rule: dict[str, Any] = {
        "kind": "pcr",
        "underlying": platform.underlying,
        "expiry": platform.expiry,
        "threshold": 1.0,
        "direction": "above",
    }
    rule[field] = {"$ne": None}
    url = f"{platform.url}/api/v1/alerts/rules"
    reply = httpx.post(url, json=rule, headers=bearer(trader_token))
    assert reply.status_code == 422
    assert reply.json()["field"].startswith(field)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/login", {"username": {"$gt": ""}, "password": "x"}),
        ("/auth/login", {"username": "gateway-admin", "password": {"$ne": ""}}),
        ("/auth/refresh", {"refresh_token": {"$ne": ""}}),
        ("/auth/logout", {"refresh_token": {"$gt": ""}}),
    ],
)
def test_an_operator_object_in_a_credential_is_refused(
    platform: Platform, path: str, body: dict[str, Any]
) -> None:
    reply = httpx.post(f"{platform.url}/api/v1{path}", json=body)
    assert reply.status_code == 422
    assert reply.json()["code"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("username", ['{"$gt": ""}', "$where", "admin' || '1'=='1"])
def test_an_operator_as_a_user_name_does_not_log_in(platform: Platform, username: str) -> None:
    reply = httpx.post(
        f"{platform.url}/api/v1/auth/login", json={"username": username, "password": "x" * 12}
    )
    assert reply.status_code in {400, 401}
