"""Who is acting on the store and what they may touch.

A User is the acting person: the implicit local owner in personal mode (everything), or a
signed-in account with one role — athlete (their own data), coach (their own data and the
athletes of the squads they coach, read-only), researcher (de-identified data of athletes
who consented, nothing else) or admin (users, squads, invitations, the audit log; may read,
export and delete any athlete, always audited). A signed-in email without an account is a
guest: it may only accept an invitation. The Store computes a Scope afresh from the
database for every call, so a removed coach or a disabled account loses access at once.
"""

from __future__ import annotations

from dataclasses import dataclass

OWNER = "owner"
GUEST = "guest"
SIGNED_OUT_ROLE = "signed out"  # a session whose sign-in lapsed: may do nothing at all


class AccessDenied(PermissionError):
    """The acting user may not do this; the message is one line saying why."""


@dataclass(frozen=True)
class User:
    """The acting person: email (lower-case), role, account id and linked athlete."""

    email: str
    role: str
    id: int | None = None
    athlete_id: int | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER


LOCAL_OWNER = User("local owner", OWNER)


def normal_email(email: str) -> str:
    """An email as accounts store it (trimmed, lower-case); refuses what is not one."""
    cleaned = (email or "").strip().lower()
    if cleaned.count("@") != 1 or cleaned.startswith("@") or cleaned.endswith("@") \
            or any(c.isspace() for c in cleaned):
        raise ValueError(f"not an email address: {email!r}")
    return cleaned


@dataclass(frozen=True)
class Scope:
    """What one user may do right now. None means every athlete."""

    user: User
    readable: frozenset[int] | None
    writable: frozenset[int] | None
    manages: bool  # users, squads, invitations, audit log; delete any athlete

    def may_read(self, athlete_id: int) -> bool:
        return self.readable is None or int(athlete_id) in self.readable

    def may_write(self, athlete_id: int) -> bool:
        return self.writable is None or int(athlete_id) in self.writable

    def is_self(self, athlete_id: int) -> bool:
        return self.user.athlete_id is not None and int(athlete_id) == self.user.athlete_id

    def require_read(self, athlete_id: int) -> None:
        if not self.may_read(athlete_id):
            raise AccessDenied(f"{self.user.email} ({self.user.role}) may not see "
                               f"athlete {athlete_id}")

    def require_write(self, athlete_id: int) -> None:
        if not self.may_write(athlete_id):
            raise AccessDenied(f"{self.user.email} ({self.user.role}) may not change "
                               f"athlete {athlete_id}'s data")

    def require_manage(self, what: str) -> None:
        if not self.manages:
            raise AccessDenied(f"{self.user.email} ({self.user.role}) may not {what}: "
                               "admins only")
