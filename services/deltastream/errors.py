"""The error tree of DeltaStream: every error we raise on purpose is a ``DeltaStreamError``.

Errors carry the fields a caller needs to act on them; the gRPC layer maps each class to a
status code in one place (``deltastream.grpcutil``).
"""

from __future__ import annotations


class DeltaStreamError(Exception):
    """Base of every error DeltaStream raises on purpose."""


class InvalidArgumentError(DeltaStreamError):
    """A request or a record names a bad value; ``field`` says which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(DeltaStreamError):
    """The thing asked for does not exist (yet)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"not found: {what}")
        self.what = what


class MalformedEntryError(DeltaStreamError):
    """A stream entry that cannot be decoded; it goes to the dead-letter stream with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AlreadyExistsError(DeltaStreamError):
    """The thing to create exists already (a user name, for instance)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"already exists: {what}")
        self.what = what


class UnauthenticatedError(DeltaStreamError):
    """No credential, or one that is malformed, forged, expired, revoked or for another
    audience; ``reason`` says which, and never repeats the credential."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"unauthenticated: {reason}")
        self.reason = reason


class PermissionDeniedError(DeltaStreamError):
    """A known caller without the role an operation needs."""

    def __init__(self, subject: str, required_role: str) -> None:
        super().__init__(f"permission denied: {subject} lacks the {required_role} role")
        self.subject = subject
        self.required_role = required_role


class RateLimitedError(DeltaStreamError):
    """A caller used up its request budget; it may try again after ``retry_after_seconds``."""

    def __init__(self, subject: str, retry_after_seconds: float) -> None:
        super().__init__(
            f"rate limit reached for {subject}; retry after {retry_after_seconds:.3f} s"
        )
        self.subject = subject
        self.retry_after_seconds = retry_after_seconds


class UnavailableError(DeltaStreamError):
    """Something a request depends on cannot be reached right now; ``what`` names it. A retry
    later may succeed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"unavailable: {what}")
        self.what = what
