"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

The cost parameters come from the settings; the defaults are RFC 9106's second recommended
option (t=3, 64 MiB, p=4). Tests lower them through settings, never here. Verifying against an
unknown user still spends one hash, so a login's duration does not tell whether the name exists.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

import argon2
import argon2.exceptions


@dataclass(frozen=True, slots=True)
class HashCost:
    """Argon2id cost: passes over memory, memory in KiB, and lanes."""

    time_cost: int = 3
    memory_cost_kib: int = 65_536
    parallelism: int = 4


_CONCURRENT_HASHES = 4  # each holds memory_cost_kib: bound the memory a burst of logins takes


class PasswordHasher:
    """Hashes and verifies passwords; CPU-heavy, so async callers run it in a thread."""

    def __init__(self, cost: HashCost) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost_kib,
            parallelism=cost.parallelism,
            type=argon2.Type.ID,
        )
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))
        self._slots = asyncio.Semaphore(_CONCURRENT_HASHES)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored_hash``; False for ``None`` (no such user),
        after the same work as a real check."""
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other cost parameters than the current."""
        return self._hasher.check_needs_rehash(stored_hash)

    async def hash_in_thread(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hash, password)

    async def verify_in_thread(self, stored_hash: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self.verify, stored_hash, password)
