"""Argon2id password hashing (with low costs: the algorithm is the same)."""

from __future__ import annotations

import argon2
import pytest

from deltastream.auth.passwords import HashCost, PasswordHasher

CHEAP = HashCost(time_cost=1, memory_cost_kib=64, parallelism=1)


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(CHEAP)


def test_a_hash_verifies_its_password_only(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery staple")
    assert hasher.verify(stored, "correct horse battery staple")
    assert not hasher.verify(stored, "correct horse battery stapler")
    assert not hasher.verify(stored, "")


def test_the_hash_is_argon2id_salted_and_free_of_the_password(hasher: PasswordHasher) -> None:
    first, second = hasher.hash("s3cret-enough!"), hasher.hash("s3cret-enough!")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "s3cret" not in first
    assert argon2.PasswordHasher().verify(first, "s3cret-enough!")  # a stock verifier agrees


def test_no_stored_hash_never_verifies(hasher: PasswordHasher) -> None:
    assert not hasher.verify(None, "anything at all")


def test_a_malformed_stored_hash_does_not_verify(hasher: PasswordHasher) -> None:
    assert not hasher.verify("$argon2id$garbage", "anything at all")


def test_a_hash_made_with_other_costs_needs_rehashing(hasher: PasswordHasher) -> None:
    stronger = PasswordHasher(HashCost(time_cost=2, memory_cost_kib=128, parallelism=1))
    assert hasher.needs_rehash(stronger.hash("password-long-enough"))
    assert not hasher.needs_rehash(hasher.hash("password-long-enough"))


def test_the_default_cost_is_rfc_9106s_second_recommendation() -> None:
    """RFC 9106 section 4: t=3 passes, 64 MiB, 4 lanes."""
    assert HashCost() == HashCost(time_cost=3, memory_cost_kib=64 * 1024, parallelism=4)


@pytest.mark.asyncio
async def test_hashing_in_a_thread_gives_the_same_kind_of_hash(hasher: PasswordHasher) -> None:
    stored = await hasher.hash_in_thread("threaded password")
    assert await hasher.verify_in_thread(stored, "threaded password")
    assert not await hasher.verify_in_thread(stored, "another password")
