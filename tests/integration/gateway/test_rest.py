"""Every REST route over real HTTP against the running services: its success path and each
error status it documents."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from deltastream.auth import Role
from deltastream.gateway import GatewaySettings, create_app
from tests.integration.gateway.conftest import ADMIN, PASSWORD, Platform, bearer

pytestmark = pytest.mark.integration

UNKNOWN = "NOSUCHSYMBOL"


def get(platform: Platform, path: str, token: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{platform.url}/api/v1{path}", params=params, headers=bearer(token))


def test_a_chain_has_every_strike_with_iv_and_greeks(platform: Platform, viewer_token: str) -> None:
    platform.market.publish()  # at the centre of the strikes, sigma 0.18
    reply = get(platform, f"/chains/{platform.underlying}", viewer_token, expiry=platform.expiry)
    assert reply.status_code == 200
    chain = reply.json()
    assert (chain["underlying"], chain["expiry"]) == (platform.underlying, platform.expiry)
    assert len(chain["rows"]) == 11
    call = chain["rows"][5]["call"]
    assert call["iv_status"] == "ok"
    assert call["iv"] == pytest.approx(0.18, abs=1e-4)
    assert 0.3 < call["greeks"]["delta"] < 0.7
    assert chain["analytics"]["total_call_open_interest"] > 0


def test_without_an_expiry_the_chain_is_the_nearest(platform: Platform, viewer_token: str) -> None:
    reply = get(platform, f"/chains/{platform.underlying}", viewer_token)
    assert reply.json()["expiry"] == platform.expiry


def test_expiries_are_listed_nearest_first(platform: Platform, viewer_token: str) -> None:
    reply = get(platform, f"/chains/{platform.underlying}/expiries", viewer_token)
    expected = [expiry.isoformat() for expiry in platform.market.expiries]
    assert reply.json() == {"expiries": expected}


def test_history_is_paged_oldest_first(platform: Platform, viewer_token: str) -> None:
    platform.market.publish(spot=24_010.0)
    path = f"/chains/{platform.underlying}/history"
    first = get(platform, path, viewer_token, expiry=platform.expiry, page_size=1).json()
    assert len(first["snapshots"]) == 1 and first["next_page_token"]
    second = get(
        platform,
        path,
        viewer_token,
        expiry=platform.expiry,
        page_size=1,
        page_token=first["next_page_token"],
    ).json()
    assert second["snapshots"][0]["timestamp_ns"] > first["snapshots"][0]["timestamp_ns"]


def test_chain_analytics(platform: Platform, viewer_token: str) -> None:
    platform.market.publish()  # at the centre of the strikes, sigma 0.18
    reply = get(platform, f"/analytics/{platform.underlying}", viewer_token, expiry=platform.expiry)
    assert reply.status_code == 200
    report = reply.json()
    assert report["smile"]["atm_iv"] == pytest.approx(0.18, abs=1e-3)
    assert len(report["build_up"]) == 11
    assert report["analytics"]["max_pain"] is not None


def test_analytics_history_term_structure_and_surface(
    platform: Platform, viewer_token: str
) -> None:
    platform.market.publish()
    base = f"/analytics/{platform.underlying}"
    history = get(platform, f"{base}/history", viewer_token, expiry=platform.expiry).json()
    assert history["points"] and history["points"][0]["analytics"]["pcr_open_interest"] > 0
    term = get(platform, f"{base}/term-structure", viewer_token).json()
    assert [point["expiry"] for point in term["points"]] == [
        expiry.isoformat() for expiry in platform.market.expiries
    ]
    surface = get(
        platform, f"{base}/surface", viewer_token, log_moneyness=[-0.05, 0.0, 0.05]
    ).json()
    assert surface["log_moneyness"] == [-0.05, 0.0, 0.05]
    assert surface["rows"][0]["implied_vol"][1] == pytest.approx(0.18, abs=0.01)


def test_a_trader_creates_lists_and_deletes_a_rule(platform: Platform, trader_token: str) -> None:
    rules = f"{platform.url}/api/v1/alerts/rules"
    spec = {
        "kind": "pcr",
        "underlying": platform.underlying,
        "expiry": platform.expiry,
        "threshold": 1.5,
        "direction": "above",
    }
    created = httpx.post(rules, json=spec, headers=bearer(trader_token))
    assert created.status_code == 201
    rule = created.json()["rule"]
    assert rule["spec"]["kind"] == "pcr" and rule["spec"]["threshold"] == 1.5
    listed = get(platform, "/alerts/rules", trader_token).json()["rules"]
    assert [item["id"] for item in listed] == [rule["id"]]
    deleted = httpx.delete(f"{rules}/{rule['id']}", headers=bearer(trader_token))
    assert deleted.status_code == 204
    again = httpx.delete(f"{rules}/{rule['id']}", headers=bearer(trader_token))
    assert again.status_code == 404
    assert get(platform, "/alerts/rules", trader_token).json()["rules"] == []


def test_a_users_rules_are_their_own(platform: Platform, trader_token: str) -> None:
    spec = {
        "kind": "price",
        "underlying": platform.underlying,
        "threshold": 1,
        "direction": "below",
    }
    httpx.post(f"{platform.url}/api/v1/alerts/rules", json=spec, headers=bearer(trader_token))
    other = platform.token_of(Role.TRADER)
    assert get(platform, "/alerts/rules", other).json()["rules"] == []


def test_events_of_no_rule_are_an_empty_page(platform: Platform, viewer_token: str) -> None:
    reply = get(platform, "/alerts/events", viewer_token, underlying=platform.underlying)
    assert reply.json() == {"events": [], "next_page_token": ""}


def test_login_refresh_me_and_logout(platform: Platform) -> None:
    username = platform.create_user(Role.VIEWER)
    auth = f"{platform.url}/api/v1/auth"
    tokens = httpx.post(f"{auth}/login", json={"username": username, "password": PASSWORD}).json()
    assert (tokens["token_type"], tokens["roles"]) == ("Bearer", ["viewer"])
    me = httpx.get(f"{auth}/me", headers=bearer(tokens["access_token"])).json()
    assert me == {"subject": username, "roles": ["viewer"], "credential": "access_token"}
    renewed = httpx.post(f"{auth}/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    replayed = httpx.post(f"{auth}/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replayed.status_code == 401
    logout = httpx.post(f"{auth}/logout", json={"refresh_token": renewed.json()["refresh_token"]})
    assert logout.status_code == 204


def test_a_wrong_password_is_401(platform: Platform) -> None:
    reply = httpx.post(
        f"{platform.url}/api/v1/auth/login", json={"username": ADMIN, "password": "nope"}
    )
    assert reply.status_code == 401
    assert reply.json()["code"] == "UNAUTHENTICATED"


def test_an_unknown_chain_is_404(platform: Platform, viewer_token: str) -> None:
    for path in (f"/chains/{UNKNOWN}", f"/analytics/{UNKNOWN}", f"/analytics/{UNKNOWN}/surface"):
        reply = get(platform, path, viewer_token)
        assert reply.status_code == 404, path
        assert reply.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/chains/{u}", {"expiry": "2024-02-30"}, "expiry"),
        ("/chains/{u}/history", {"expiry": "tomorrow"}, "expiry"),
        ("/chains/{u}/history", {"expiry": "{e}", "page_size": 100_000}, "page_size"),
        ("/chains/{u}/history", {"expiry": "{e}", "page_token": "forged"}, "page_token"),
        ("/analytics/{u}/history", {"expiry": "{e}", "start_ns": 9, "end_ns": 5}, "end_ns"),
        ("/analytics/{u}/surface", {"log_moneyness": [0.1, -0.1]}, "log_moneyness"),
        ("/chains/bad symbol!", {}, "underlying"),
        ("/alerts/events", {"rule_id": "not-a-rule"}, "rule_id"),
    ],
)
def test_a_value_the_service_refuses_is_400_naming_the_field(
    platform: Platform, viewer_token: str, path: str, params: dict[str, object], field: str
) -> None:
    path = path.replace("{u}", platform.underlying)
    params = {
        k: v.replace("{e}", platform.expiry) if isinstance(v, str) else v for k, v in params.items()
    }
    reply = get(platform, path, viewer_token, **params)
    assert reply.status_code == 400
    assert reply.json()["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"expiry": "2030-01-01", "page_size": "many"}, "page_size"),
        ({"expiry": "2030-01-01", "start_ns": -1}, "start_ns"),
        ({}, "expiry"),
    ],
)
def test_a_value_of_the_wrong_shape_is_422_naming_the_field(
    platform: Platform, viewer_token: str, params: dict[str, object], field: str
) -> None:
    reply = get(platform, f"/chains/{platform.underlying}/history", viewer_token, **params)
    assert reply.status_code == 422
    assert reply.json()["field"] == field


def test_a_rule_the_service_refuses_is_400_naming_the_field(
    platform: Platform, trader_token: str
) -> None:
    spec = {
        "kind": "iv",
        "underlying": platform.underlying,
        "expiry": platform.expiry,
        "threshold": 0.2,
        "direction": "above",
    }
    reply = httpx.post(
        f"{platform.url}/api/v1/alerts/rules", json=spec, headers=bearer(trader_token)
    )
    assert reply.status_code == 400
    assert reply.json()["field"] == "rule.strike"


def test_unknown_routes_are_404_in_the_same_shape(platform: Platform, viewer_token: str) -> None:
    reply = get(platform, "/nothing/here", viewer_token)
    assert reply.status_code == 404
    assert reply.json()["code"] == "NOT_FOUND"


def test_health_and_metrics_need_no_credential(platform: Platform) -> None:
    assert httpx.get(f"{platform.url}/healthz").json() == {"status": "ok"}
    metrics = httpx.get(f"{platform.url}/metrics").text
    assert 'deltastream_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics


def test_the_openapi_schema_served_is_the_applications(platform: Platform) -> None:
    schema = httpx.get(f"{platform.url}/api/v1/openapi.json").json()
    assert schema == create_app(GatewaySettings()).openapi()
    assert {"/api/v1/chains/{underlying}", "/api/v1/alerts/rules", "/api/v1/auth/login"} <= set(
        schema["paths"]
    )
    assert set(schema["components"]["securitySchemes"]) == {"accessToken", "apiKey"}


def test_the_page_is_served_at_the_root(platform: Platform) -> None:
    reply = httpx.get(f"{platform.url}/")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
