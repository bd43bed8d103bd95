"""Webhook delivery of alert events: a signed JSON POST per event, retried with back-off.

The body is the event as JSON (the contract's field names); ``X-DeltaStream-Signature`` is
``sha256=<hex HMAC-SHA256 of the body>`` under the rule's secret, which the owner received
when creating the rule. A receiver recomputes it over the raw body and compares in constant
time; the event id (``X-DeltaStream-Event``) lets it drop a repeated delivery.

Deliveries run in their own thread from the events collection (the outbox), never in the
evaluator's path: a slow or failing endpoint delays only its own events. 5xx, 408, 429 and
network errors are retried after ``backoff · 2^(attempt-1)`` (capped) up to ``max_attempts``;
other answers, a deleted rule or an address inside the network fail at once. Redirects are
not followed (one could lead into the cluster).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from pymongo.collection import Collection

from deltastream.alerts import metrics, model

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-DeltaStream-Signature"
EVENT_HEADER = "X-DeltaStream-Event"
_BATCH = 50
_RETRYABLE_STATUS = frozenset({408, 429})
_ERROR_TEXT = 200

Document = dict[str, Any]
Post = Callable[[str, bytes, Mapping[str, str], float], int]


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    timeout_seconds: float = 5.0
    max_attempts: int = 6
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 300.0
    allow_private_addresses: bool = False

    def delay_ns(self, attempts: int) -> int:
        """The wait before the next attempt after ``attempts`` failed ones."""
        seconds = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return int(seconds * 1e9)


class DeliveryError(Exception):
    """An attempt failed; ``retryable`` says whether another attempt may succeed."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:_ERROR_TEXT]
        self.retryable = retryable


def signature(secret: str, body: bytes) -> str:
    """The ``X-DeltaStream-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(document: Mapping[str, Any]) -> bytes:
    """The JSON body of a stored event."""
    message = json_format.MessageToDict(
        model.event_message(document),
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    return json.dumps(message, sort_keys=True, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST with urllib; the status code, or ``DeliveryError`` for errors and non-2xx."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 - http(s) only, checked at creation
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error is the response: release its connection
        retryable = exc.code >= 500 or exc.code in _RETRYABLE_STATUS
        raise DeliveryError(f"HTTP {exc.code}", retryable=retryable) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc


def check_address(url: str) -> None:
    """``DeliveryError`` unless every address the URL's host resolves to is public."""
    parts = urllib.parse.urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DeliveryError(f"cannot resolve {parts.hostname}: {exc}", retryable=True) from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise DeliveryError(f"{parts.hostname} resolves to a private address", retryable=False)


class WebhookDeliverer:
    """Delivers the due events of the outbox, a few at a time in parallel."""

    def __init__(
        self,
        events: Collection[Document],
        rules: Collection[Document],
        policy: WebhookPolicy,
        *,
        post: Post = post_json,
        clock: Callable[[], int] = time.time_ns,
        workers: int = 4,
    ) -> None:
        self._events = events
        self._rules = rules
        self._policy = policy
        self._post = post
        self._clock = clock
        self._workers = workers

    def run(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # the thread must outlive any fault; logged with its trace
                log.exception("webhook delivery failed; retrying")
            stop.wait(poll_seconds)

    def step(self) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        due = list(
            self._events.find(
                {
                    "webhook.state": model.WEBHOOK_PENDING,
                    "webhook.next_attempt_ns": {"$lte": self._clock()},
                }
            )
            .sort("webhook.next_attempt_ns", 1)
            .limit(_BATCH)
        )
        if not due:
            return 0
        secrets = self._secrets({document["rule_id"] for document in due})
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            outcomes = list(pool.map(lambda d: self._attempt(d, secrets.get(d["rule_id"])), due))
        for document, outcome in zip(due, outcomes, strict=True):
            self._record(document, outcome)
        return len(due)

    def _secrets(self, rule_ids: set[str]) -> dict[str, str]:
        cursor = self._rules.find({"_id": {"$in": sorted(rule_ids)}}, {"webhook_secret": 1})
        return {document["_id"]: document.get("webhook_secret", "") for document in cursor}

    def _attempt(self, document: Document, secret: str | None) -> DeliveryError | None:
        url = document["webhook"]["url"]
        try:
            if not secret:
                raise DeliveryError("the rule was deleted", retryable=False)
            if not self._policy.allow_private_addresses:
                check_address(url)
            body = payload(document)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "DeltaStream-Alerts",
                SIGNATURE_HEADER: signature(secret, body),
                EVENT_HEADER: str(document["_id"]),
            }
            self._post(url, body, headers, self._policy.timeout_seconds)
        except DeliveryError as exc:
            return exc
        return None

    def _record(self, document: Document, error: DeliveryError | None) -> None:
        attempts = int(document["webhook"]["attempts"]) + 1
        update: Document = {"webhook.attempts": attempts}
        if error is None:
            update |= {"webhook.state": model.WEBHOOK_DELIVERED, "webhook.last_error": ""}
            outcome = "delivered"
        elif error.retryable and attempts < self._policy.max_attempts:
            next_ns = self._clock() + self._policy.delay_ns(attempts)
            update |= {"webhook.next_attempt_ns": next_ns, "webhook.last_error": error.reason}
            outcome = "retry"
        else:
            update |= {"webhook.state": model.WEBHOOK_FAILED, "webhook.last_error": error.reason}
            outcome = "failed"
        self._events.update_one({"_id": document["_id"]}, {"$set": update})
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
        if error is not None:
            log.warning(
                "webhook attempt failed",
                extra={"event_id": document["_id"], "attempts": attempts, "reason": error.reason},
            )
