"""Roles and principals: who a caller is once a credential has been checked, and what it may do.

Roles are ordered: each includes the ones below it (an admin may do what a trader may, a trader
what a viewer may), so a method names only the least role it needs.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from deltastream.errors import InvalidArgumentError


class Role(enum.IntEnum):
    """A role; the values are those of ``deltastream.v1.Role``."""

    VIEWER = 1
    TRADER = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The name used in token claims and in the database: ``viewer``, ``trader``, ``admin``."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Role:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"not a role: {label[:20]!r}") from None


def parse_roles(values: Iterable[int], field: str = "roles") -> frozenset[Role]:
    """Roles from a request (enum numbers): at least one, none unspecified or unknown."""
    roles = set()
    for value in values:
        if value not in Role._value2member_map_:
            raise InvalidArgumentError(field, f"not a role: {value}")
        roles.add(Role(value))
    if not roles:
        raise InvalidArgumentError(field, "at least one role is required")
    return frozenset(roles)


def role_labels(roles: Iterable[Role]) -> list[str]:
    """Role labels, least role first (the form stored and put in tokens)."""
    return [role.label for role in sorted(set(roles))]


def roles_from_labels(labels: Iterable[str]) -> frozenset[Role]:
    return frozenset(Role.from_label(label) for label in labels)


class CredentialKind(enum.Enum):
    """How a principal proved who it is."""

    ACCESS_TOKEN = 1
    API_KEY = 2


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``subject`` is a user name or an API key's service account name; ``session_id`` names the
    refresh-token family an access token belongs to (empty for API keys).
    """

    subject: str
    roles: frozenset[Role]
    credential: CredentialKind
    session_id: str = ""

    def has_role(self, required: Role) -> bool:
        """True when one of the roles is ``required`` or above it."""
        return any(role >= required for role in self.roles)

    @property
    def rate_key(self) -> str:
        """The name its request budget is counted under (users and API keys apart)."""
        prefix = "user" if self.credential is CredentialKind.ACCESS_TOKEN else "key"
        return f"{prefix}:{self.subject}"
