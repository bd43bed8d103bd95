"""The MongoDB reads and writes behind the Alerts API, on validated parameters only.

Every query filters by the owner first: a caller sees, deletes and streams only its own rules
and events, and another owner's rule id is simply not found. Pages are ordered by a time and
the id (the token carries both), so equal times are never skipped or repeated across pages.
"""

from __future__ import annotations

import base64
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from deltastream.alerts import model
from deltastream.alerts.requests import rule_id
from deltastream.errors import InvalidArgumentError, NotFoundError

Document = dict[str, Any]


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    rules, events = db[model.RULES], db[model.EVENTS]
    await rules.create_index([("owner", ASCENDING), ("created_at_ns", ASCENDING)])
    await rules.create_index("underlying")
    await events.create_index([("owner", ASCENDING), ("timestamp_ns", ASCENDING)])
    await events.create_index("published")
    await events.create_index([("webhook.state", ASCENDING), ("webhook.next_attempt_ns", 1)])


class AlertQueries:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._rules = db[model.RULES]
        self._events = db[model.EVENTS]

    async def create_rule(self, rule: model.Rule) -> None:
        await self._rules.insert_one(model.rule_document(rule))

    async def rules(
        self, owner: str, underlying: str, page_size: int, page_token: str
    ) -> tuple[list[model.Rule], str]:
        query: Document = {"owner": owner}
        if underlying:
            query["underlying"] = underlying
        documents, token = await _page(self._rules, query, "created_at_ns", page_size, page_token)
        return [model.rule_from_document(document) for document in documents], token

    async def delete_rule(self, owner: str, rule: str) -> None:
        result = await self._rules.delete_one({"_id": rule, "owner": owner})
        if result.deleted_count != 1:
            raise NotFoundError(f"rule {rule}")

    async def events(
        self,
        owner: str,
        filters: dict[str, str],
        time_range: tuple[int, int],
        page_size: int,
        page_token: str,
    ) -> tuple[list[Document], str]:
        """``filters``: equality on ``rule_id`` and ``underlying``, already validated."""
        start_ns, end_ns = time_range
        bounds: dict[str, int] = {"$gte": start_ns}
        if end_ns:
            bounds["$lt"] = end_ns
        query: Document = {"owner": owner, **filters, "timestamp_ns": bounds}
        return await _page(self._events, query, "timestamp_ns", page_size, page_token)


async def _page(
    collection: Any, query: Document, order: str, page_size: int, page_token: str
) -> tuple[list[Document], str]:
    after = decode_token(page_token)
    if after is not None:
        value, identifier = after
        query = {
            **query,
            "$or": [{order: {"$gt": value}}, {order: value, "_id": {"$gt": identifier}}],
        }
    cursor = collection.find(query).sort([(order, ASCENDING), ("_id", ASCENDING)])
    documents = [document async for document in cursor.limit(page_size + 1)]
    if len(documents) <= page_size:
        return documents, ""
    page = documents[:page_size]
    return page, encode_token(int(page[-1][order]), str(page[-1]["_id"]))


def encode_token(value: int, identifier: str) -> str:
    return base64.urlsafe_b64encode(f"p:{value}:{identifier}".encode()).decode()


def decode_token(token: str) -> tuple[int, str] | None:
    """The position a page token stands for; INVALID_ARGUMENT for anything else."""
    if not token:
        return None
    try:
        prefix, value, identifier = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if prefix != "p":
            raise ValueError(prefix)
        return int(value), rule_id(identifier, "page_token")
    except (ValueError, UnicodeDecodeError, InvalidArgumentError):
        raise InvalidArgumentError("page_token", "not a token from a previous page") from None
