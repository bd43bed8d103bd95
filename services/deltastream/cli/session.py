"""The login session of the command-line client: the token pair of the last ``deltastream
login``, kept in ``$XDG_CONFIG_HOME/deltastream/session.json`` (default ``~/.config``).

The tokens are credentials, so the file is readable by its owner only (0600) in a directory
only its owner may enter (0700), and it is replaced atomically, never rewritten in place. A
refresh token is spent when it is used, so two clients must not refresh the same one at once
(the second would be seen as a reuse and end the session): ``SessionStore.locked()`` holds an
exclusive lock on the directory's lock file while one of them refreshes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from deltastream.errors import DeltaStreamError

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
SESSION_FILE = "session.json"
LOCK_FILE = "session.lock"
EXPIRY_MARGIN_SECONDS = 30.0  # refresh a little early: the clocks of client and server differ


class NotLoggedInError(DeltaStreamError):
    """No usable session: never logged in, logged out, or the session has ended."""

    def __init__(self, reason: str = "not logged in") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Session:
    """The tokens of one login, and where they came from. Times are seconds since the epoch."""

    auth_target: str
    username: str
    roles: tuple[str, ...]
    access_token: str = field(repr=False)
    access_token_expires_at: float
    refresh_token: str = field(repr=False)
    refresh_token_expires_at: float

    def access_expired(self, now: float) -> bool:
        """True when the access token is expired or about to be."""
        return now >= self.access_token_expires_at - EXPIRY_MARGIN_SECONDS

    def refresh_expired(self, now: float) -> bool:
        return now >= self.refresh_token_expires_at

    def renewed(self, tokens: TokenPair, now: float) -> Session:
        """This session with the pair a refresh returned (the old refresh token is spent)."""
        return replace(
            self,
            roles=tokens.roles or self.roles,
            access_token=tokens.access_token,
            access_token_expires_at=now + tokens.access_token_lifetime,
            refresh_token=tokens.refresh_token,
            refresh_token_expires_at=now + tokens.refresh_token_lifetime,
        )


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What Login and Refresh return, with lifetimes in seconds from now."""

    access_token: str = field(repr=False)
    access_token_lifetime: float
    refresh_token: str = field(repr=False)
    refresh_token_lifetime: float
    roles: tuple[str, ...] = ()

    def session(self, auth_target: str, username: str, now: float) -> Session:
        """A new session of ``username`` at ``auth_target`` from these tokens."""
        return Session(
            auth_target,
            username,
            self.roles,
            self.access_token,
            now + self.access_token_lifetime,
            self.refresh_token,
            now + self.refresh_token_lifetime,
        )


def session_directory(environment: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/deltastream``, or ``~/.config/deltastream`` (a relative
    ``XDG_CONFIG_HOME`` is ignored, as the XDG specification says)."""
    configured = environment.get("XDG_CONFIG_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".config"
    return base / "deltastream"


class SessionStore:
    """Reads, writes and deletes the session file of one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / SESSION_FILE

    def load(self) -> Session | None:
        """The stored session; None when there is none or it cannot be read as one."""
        try:
            document = json.loads(self.path.read_text())
            session = Session(**{**document, "roles": tuple(document["roles"])})
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return session

    def save(self, session: Session) -> None:
        """Replace the stored session (file 0600, directory 0700)."""
        self._prepare_directory()
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".session-")
        try:
            os.fchmod(descriptor, FILE_MODE)
            with os.fdopen(descriptor, "w") as file:
                json.dump({**asdict(session), "roles": list(session.roles)}, file)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self) -> bool:
        """Remove the stored session; True if there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's exclusive lock (blocks while another client holds it)."""
        self._prepare_directory()
        descriptor = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock

    def _prepare_directory(self) -> None:
        self.directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        os.chmod(self.directory, DIRECTORY_MODE)
