"""Accounts on the store: users, squads, invitations, research consent and the audit log,
and the Scope of the acting user (analysis.store.access) that every Store method checks.

Mixed into Store; uses its transactions (`_read`, `_write`) and its `actor`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from analysis.deployment import squad_mode
from analysis.store.access import (
    GUEST,
    SIGNED_OUT_ROLE,
    AccessDenied,
    Scope,
    User,
    normal_email,
)
from analysis.store.models import (
    ROLES,
    athletes,
    audit_log,
    invitations,
    squad_athletes,
    squad_coaches,
    squads,
    users,
)

INVITATION_DAYS = 7
PSEUDONYM_KEY = secrets.token_bytes(32)  # per process: pseudonyms link to nothing stored
HIDDEN_ACTIVITY_COLUMNS = ("source_file", "name", "device", "warnings")
NO_CONSENT = "no research consent"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_digest(token: str) -> str:
    """How an invitation token is kept: its SHA-256, so the database never holds a link."""
    return hashlib.sha256(token.encode()).hexdigest()


def pseudonym(athlete_id: int) -> str:
    """A researcher's name for an athlete: a keyed hash of the id, stable in this process."""
    digest = hmac.new(PSEUDONYM_KEY, str(int(athlete_id)).encode(), hashlib.sha256)
    return "R-" + digest.hexdigest()[:10]


@dataclass(frozen=True)
class ResearchCohort:
    """Who research may use (names as research sees them), who is left out and why, and
    `athletes()`: their (name, activities, pain), read one athlete at a time so that a
    cohort of any size holds one athlete's tables at once."""

    names: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    athletes: Callable[[], Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]]


def _user(row: Any) -> User:
    return User(row.email, row.role, int(row.id),
                None if row.athlete_id is None else int(row.athlete_id))


class Accounts:
    """Users, squads, invitations, consent and audit: the part of Store about people."""

    actor: User
    _read: Any
    _write: Any

    # -- who is acting ----------------------------------------------------------------

    def _scope(self, conn: Connection) -> Scope:
        """The acting user's rights, read from the database now."""
        actor = self.actor
        if actor.is_owner:
            return Scope(actor, None, None, True)
        if actor.role == SIGNED_OUT_ROLE:
            raise AccessDenied("not signed in (or the sign-in expired): sign in again")
        row = None if actor.id is None else conn.execute(
            select(users).where(users.c.id == actor.id)).first()
        if actor.role == GUEST:
            if conn.execute(select(users.c.id).where(users.c.email == actor.email)).first():
                raise AccessDenied(f"{actor.email} has an account now: sign in again")
            return Scope(actor, frozenset(), frozenset(), False)
        if row is None or not row.active:
            raise AccessDenied(f"{actor.email}: this account is disabled or was removed")
        user = _user(row)
        own = frozenset() if user.athlete_id is None else frozenset({user.athlete_id})
        if user.role == "admin":
            return Scope(user, None, own, True)
        if user.role == "coach":
            coached = conn.execute(
                select(squad_athletes.c.athlete_id)
                .join(squad_coaches, squad_coaches.c.squad_id == squad_athletes.c.squad_id)
                .where(squad_coaches.c.user_id == user.id)).scalars()
            return Scope(user, own | frozenset(int(a) for a in coached), own, False)
        if user.role == "athlete":
            return Scope(user, own, own, False)
        return Scope(user, frozenset(), frozenset(), False)  # researcher

    def scope(self) -> Scope:
        """The acting user's rights right now (pages use it to choose what to offer)."""
        with self._read() as conn:
            return self._scope(conn)

    def _audit(self, conn: Connection, action: str, athlete_id: int | None = None,
               detail: str = "") -> None:
        """Log an event, except the local owner's on a personal machine (their own data:
        a deleted athlete's name must not live on in a log there)."""
        if self.actor.is_owner and not squad_mode():
            return
        name = None if athlete_id is None else conn.execute(
            select(athletes.c.name).where(athletes.c.id == athlete_id)).scalar()
        conn.execute(insert(audit_log).values(
            at=_now(), actor=self.actor.email, role=self.actor.role, action=action,
            athlete_id=athlete_id, athlete=name, detail=detail))

    @contextmanager
    def _reading(self, athlete_id: int, what: str, action: str = "view"
                 ) -> Iterator[Connection]:
        """A read of one athlete's data: refused unless the actor may see them; a view of
        someone else's data (and every export) is written to the audit log first."""
        if not self.actor.is_owner or action != "view":
            with self._read() as conn:
                scope = self._scope(conn)
                scope.require_read(athlete_id)
            if action != "view" or not scope.is_self(athlete_id):
                with self._write(None) as conn:
                    self._audit(conn, action, athlete_id, what)
        with self._read() as conn:
            yield conn

    def _require_manage(self, what: str) -> Scope:
        with self._read() as conn:
            scope = self._scope(conn)
        scope.require_manage(what)
        return scope

    # -- users ------------------------------------------------------------------------

    def user(self, email: str) -> User | None:
        """The active account with this email, None when there is none (admins, or
        anyone asking about themselves)."""
        wanted = normal_email(email)
        if wanted != self.actor.email:
            self._require_manage("look up other users")
        with self._read() as conn:
            row = conn.execute(select(users).where(users.c.email == wanted,
                                                   users.c.active)).first()
        return None if row is None else _user(row)

    def users(self) -> pd.DataFrame:
        """Every account: email, role, athlete, active, created_at (admins only)."""
        self._require_manage("list users")
        stmt = (select(users.c.email, users.c.role, athletes.c.name.label("athlete"),
                       users.c.active, users.c.created_at)
                .select_from(users.outerjoin(athletes, athletes.c.id == users.c.athlete_id))
                .order_by(users.c.email))
        with self._read() as conn:
            return pd.DataFrame(conn.execute(stmt).all(), columns=list(
                stmt.selected_columns.keys()))

    def add_user(self, email: str, role: str, athlete: str | None = None) -> User:
        """Create (or update and re-enable) an account; with `athlete`, link it to that
        athlete, created when missing. An athlete account without one gets an athlete
        named after the email."""
        email = normal_email(email)
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if role == "athlete" and not athlete:
            athlete = email
        self._require_manage("add users")
        with self._write(None) as conn:
            athlete_id = None if not athlete else _athlete_id(conn, athlete.strip(),
                                                                create=True)
            existing = conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
            taken = athlete_id is not None and conn.execute(select(users.c.email).where(
                users.c.athlete_id == athlete_id, users.c.email != email)).scalar()
            if taken:
                raise ValueError(f"athlete {athlete!r} belongs to {taken} already")
            values = {"role": role, "athlete_id": athlete_id, "active": True}
            if existing is None:
                conn.execute(insert(users).values(email=email, created_at=_now(), **values))
            else:
                conn.execute(update(users).where(users.c.id == existing).values(**values))
            self._audit(conn, "user added", athlete_id, f"{email} as {role}")
            row = conn.execute(select(users).where(users.c.email == email)).one()
        return _user(row)

    def remove_user(self, email: str) -> None:
        """Disable an account at once (its data stay; add_user re-enables it)."""
        email = normal_email(email)
        self._require_manage("remove users")
        with self._write(None) as conn:
            gone = conn.execute(update(users).where(users.c.email == email)
                                .values(active=False))
            if gone.rowcount == 0:
                raise LookupError(f"no account {email}")
            self._audit(conn, "user removed", None, email)

    # -- squads -----------------------------------------------------------------------

    def create_squad(self, name: str) -> int:
        """A new squad; returns its id."""
        name = (name or "").strip()
        if not name:
            raise ValueError("a squad's name cannot be empty")
        self._require_manage("create squads")
        try:
            with self._write(None) as conn:
                squad_id = conn.execute(insert(squads).values(
                    name=name, created_at=_now())).inserted_primary_key[0]
                self._audit(conn, "squad created", None, name)
        except IntegrityError:
            raise ValueError(f"a squad named {name!r} exists") from None
        return int(squad_id)

    def squads(self) -> pd.DataFrame:
        """The squads the actor may see (admins all, coaches theirs, athletes the ones they
        belong to): id, name, coaches, athletes (names, comma-separated)."""
        with self._read() as conn:
            scope = self._scope(conn)
            rows = conn.execute(select(squads.c.id, squads.c.name).order_by(squads.c.name)).all()
            coaches = conn.execute(select(squad_coaches.c.squad_id, users.c.email, users.c.id)
                                   .join(users, users.c.id == squad_coaches.c.user_id)).all()
            members = conn.execute(select(squad_athletes.c.squad_id, athletes.c.name,
                                          athletes.c.id)
                                   .join(athletes, athletes.c.id == squad_athletes.c.athlete_id)
                                   .order_by(athletes.c.name)).all()
        me = scope.user
        out = []
        for squad_id, name in rows:
            its_coaches = [c for c in coaches if c.squad_id == squad_id]
            its_members = [m for m in members if m.squad_id == squad_id]
            mine = scope.manages or any(c.id == me.id for c in its_coaches) or any(
                scope.is_self(m.id) for m in its_members)
            if mine:
                out.append({"id": int(squad_id), "name": name,
                            "coaches": ", ".join(c.email for c in its_coaches),
                            "athletes": ", ".join(m.name for m in its_members)})
        return pd.DataFrame(out, columns=["id", "name", "coaches", "athletes"])

    def add_coach(self, squad: str, email: str) -> None:
        """Make an account a coach of the squad (its role becomes coach unless admin)."""
        email = normal_email(email)
        self._require_manage("add coaches")
        with self._write(None) as conn:
            squad_id = _squad_id(conn, squad)
            row = conn.execute(select(users).where(users.c.email == email)).first()
            if row is None:
                raise LookupError(f"no account {email} (add it with `kneeload user add`)")
            if row.role not in ("coach", "admin"):
                raise ValueError(f"{email} is a {row.role}; add them with --role coach first")
            if not conn.execute(select(squad_coaches).where(
                    squad_coaches.c.squad_id == squad_id,
                    squad_coaches.c.user_id == row.id)).first():
                conn.execute(insert(squad_coaches).values(squad_id=squad_id, user_id=row.id))
            self._audit(conn, "coach added", None, f"{email} coaches {squad}")

    def add_to_squad(self, squad: str, athlete: str) -> None:
        """Put a stored athlete in the squad (admins; athletes join by invitation)."""
        self._require_manage("add athletes to squads")
        with self._write(None) as conn:
            squad_id = _squad_id(conn, squad)
            athlete_id = _athlete_id(conn, athlete, create=False)
            _join(conn, squad_id, athlete_id)
            self._audit(conn, "athlete added to squad", athlete_id, squad)

    def leave_squad(self, squad: str, athlete_id: int | None = None) -> None:
        """Take the athlete (default: the actor's own) out of the squad: their coaches
        there lose access at once. Athletes themselves or admins."""
        with self._read() as conn:
            scope = self._scope(conn)
        athlete_id = scope.user.athlete_id if athlete_id is None else int(athlete_id)
        if athlete_id is None or not (scope.manages or scope.is_self(athlete_id)):
            raise AccessDenied(f"{scope.user.email} ({scope.user.role}) may not take "
                               "this athlete out of a squad")
        with self._write(None) as conn:
            squad_id = _squad_id(conn, squad)
            gone = conn.execute(delete(squad_athletes).where(
                squad_athletes.c.squad_id == squad_id,
                squad_athletes.c.athlete_id == athlete_id))
            if gone.rowcount == 0:
                raise LookupError(f"not a member of {squad}")
            self._audit(conn, "left squad", athlete_id, squad)

    # -- invitations ------------------------------------------------------------------

    def invite(self, squad: str, days: int = INVITATION_DAYS) -> str:
        """A single-use invitation token to join the squad as an athlete, valid `days`
        days (admins and the squad's coaches). Only its hash is stored."""
        with self._read() as conn:
            scope = self._scope(conn)
            squad_id = _squad_id(conn, squad)
            coaches = set(conn.execute(select(squad_coaches.c.user_id).where(
                squad_coaches.c.squad_id == squad_id)).scalars())
        if not (scope.manages or scope.user.id in coaches):
            raise AccessDenied(f"{scope.user.email} ({scope.user.role}) may not invite to "
                               f"{squad}: admins and its coaches only")
        token = secrets.token_urlsafe(24)
        now = _now()
        with self._write(None) as conn:
            conn.execute(insert(invitations).values(
                token_sha256=token_digest(token), squad_id=squad_id,
                created_by=self.actor.email, created_at=now,
                expires_at=now + dt.timedelta(days=days)))
            self._audit(conn, "invitation created", None, squad)
        return token

    def invitation(self, token: str) -> str:
        """The squad a valid, unused invitation is for; AccessDenied saying why not."""
        with self._read() as conn:
            row = _invitation(conn, token)
        return row.squad

    def accept_invitation(self, token: str, name: str | None = None) -> str:
        """Join the invitation's squad as the actor: an athlete joins with their athlete; a
        signed-in guest becomes an athlete account (athlete called `name`, else the email).
        The link works once; returns the squad's name."""
        with self._read() as conn:
            scope = self._scope(conn)
        user = scope.user
        if user.role not in ("athlete", GUEST):
            raise AccessDenied(f"{user.email} is a {user.role}: invitations are for athletes")
        with self._write(None) as conn:
            row = _invitation(conn, token)
            claimed = conn.execute(update(invitations).where(
                invitations.c.id == row.id, invitations.c.used_at.is_(None))
                .values(used_at=_now(), used_by=user.email))
            if claimed.rowcount == 0:
                raise AccessDenied("this invitation link was used already")
            athlete_id = user.athlete_id
            if user.role == GUEST:
                athlete_id = _athlete_id(conn, _free_name(conn, name or user.email),
                                         create=True)
                conn.execute(insert(users).values(email=user.email, role="athlete",
                                                  athlete_id=athlete_id, active=True,
                                                  created_at=_now()))
            _join(conn, row.squad_id, athlete_id)
            self._audit(conn, "invitation accepted", athlete_id, row.squad)
        return row.squad

    # -- consent ----------------------------------------------------------------------

    def set_research_consent(self, athlete_id: int, consent: bool) -> None:
        """Give or withdraw consent to de-identified research use (the athlete
        themselves); a withdrawal counts from the next export on."""
        with self._read() as conn:
            scope = self._scope(conn)
        if not (scope.user.is_owner or scope.is_self(athlete_id)):
            raise AccessDenied(f"{scope.user.email} ({scope.user.role}) may not change "
                               f"athlete {athlete_id}'s consent")
        with self._write(athlete_id) as conn:
            conn.execute(update(athletes).where(athletes.c.id == athlete_id).values(
                research_consent=bool(consent), consent_changed_at=_now()))
            self._audit(conn, "consent given" if consent else "consent withdrawn",
                        athlete_id)

    def research_consent(self, athlete_id: int) -> bool:
        """Whether the athlete consented to research use."""
        with self._read() as conn:
            self._scope(conn).require_read(athlete_id)
            return bool(conn.execute(select(athletes.c.research_consent).where(
                athletes.c.id == athlete_id)).scalar())

    def _research_selection(self) -> tuple[User, bool, Any]:
        """Who asks, whether only consenting athletes count, and the query listing every
        athlete with their consent; AccessDenied for anyone but the owner, researchers and
        admins."""
        with self._read() as conn:
            user = self._scope(conn).user
        if not (user.is_owner or user.role in ("researcher", "admin")):
            raise AccessDenied(f"{user.email} ({user.role}) may not use research data")
        consenting_only = squad_mode() or not user.is_owner
        stmt = select(athletes.c.id, athletes.c.name, athletes.c.data_version,
                      athletes.c.research_consent).order_by(athletes.c.id)
        return user, consenting_only, stmt

    def research_version(self) -> str:
        """A key that changes whenever research_cohort would (for caches)."""
        _, consenting_only, stmt = self._research_selection()
        with self._read() as conn:
            rows = conn.execute(stmt.with_only_columns(
                athletes.c.id, athletes.c.data_version, athletes.c.research_consent)).all()
        # whose data is used, and only their data's version: a non-consenting athlete's new
        # diary entry changes nothing research sees
        key = [(row.id, row.research_consent,
                row.data_version if row.research_consent or not consenting_only else None)
               for row in rows]
        return hashlib.sha256(repr(key).encode()).hexdigest()[:16]

    def log_export(self, athlete_id: int, what: str) -> None:
        """Write an export made outside the store (a downloaded report) to the audit log;
        refused unless the actor may see the athlete."""
        with self._read() as conn:
            self._scope(conn).require_read(athlete_id)
        with self._write(None) as conn:
            self._audit(conn, "export", athlete_id, what)

    def research_cohort(self, purpose: str = "models") -> ResearchCohort:
        """Everyone research may use: on a squad deployment only athletes who consent now
        (the others left out, with the reason), under pseudonyms unless the local owner
        asks, with names, file names, devices and notes blanked; personal mode: every
        athlete. Their records are read one athlete at a time (ResearchCohort.athletes).
        `purpose` 'export' or 'models' goes into the audit log."""
        user, consenting_only, stmt = self._research_selection()
        with self._write(None) as conn:
            rows = conn.execute(stmt).all()
            chosen, refused = [], []
            for row in rows:
                (refused if consenting_only and not row.research_consent else chosen).append(row)
            if purpose == "export" or not user.is_owner:
                self._audit(conn, f"research {purpose}", None,
                            f"{len(chosen)} consenting athletes" if consenting_only
                            else f"{len(chosen)} athletes")

        def shown(row: Any) -> str:
            return str(row.name) if user.is_owner else pseudonym(row.id)

        def records() -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
            for row in chosen:
                with self._read() as conn:
                    activities, pain = _frames(conn, int(row.id))
                if not user.is_owner:
                    activities = activities.assign(
                        **{c: pd.NA for c in HIDDEN_ACTIVITY_COLUMNS}).astype(
                        {c: "string" for c in HIDDEN_ACTIVITY_COLUMNS})
                    pain = pain.assign(note=pd.NA, activity_id=pd.NA).astype(
                        {"note": "string", "activity_id": "string"})
                yield shown(row), activities, pain

        return ResearchCohort(tuple(shown(row) for row in chosen),
                              tuple((shown(row), NO_CONSENT) for row in refused), records)

    def research_data(self, purpose: str = "models"
                      ) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
        """(name, activities, pain) of everyone research may use (research_cohort), all
        read at once."""
        return list(self.research_cohort(purpose).athletes())

    # -- audit ------------------------------------------------------------------------

    def audit_log(self) -> pd.DataFrame:
        """Every audited event, oldest first: at, actor, role, action, athlete, detail."""
        self._require_manage("read the audit log")
        stmt = select(audit_log.c.at, audit_log.c.actor, audit_log.c.role, audit_log.c.action,
                      audit_log.c.athlete, audit_log.c.detail).order_by(audit_log.c.id)
        with self._read() as conn:
            frame = pd.DataFrame(conn.execute(stmt).all(),
                                 columns=list(stmt.selected_columns.keys()))
        return frame.astype({name: "string" for name in frame.columns if name != "at"}
                            ).assign(at=pd.to_datetime(frame["at"], utc=True))


def _frames(conn: Connection, athlete_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from analysis.store.repository import _activities, _pain

    return _activities(conn, athlete_id), _pain(conn, athlete_id)


def _athlete_id(conn: Connection, name: str, create: bool) -> int:
    found = conn.execute(select(athletes.c.id).where(athletes.c.name == name)).scalar()
    if found is not None:
        return int(found)
    if not create:
        raise LookupError(f"no athlete named {name!r}")
    if not name:
        raise ValueError("an athlete's name cannot be empty")
    return int(conn.execute(insert(athletes).values(
        name=name, units="km", settings={}, created_at=_now())).inserted_primary_key[0])


def _free_name(conn: Connection, wanted: str) -> str:
    """`wanted`, or `wanted (2)`, … when an athlete has that name."""
    taken = set(conn.execute(select(athletes.c.name)).scalars())
    name, n = wanted.strip(), 1
    while name in taken:
        n += 1
        name = f"{wanted.strip()} ({n})"
    return name


def _squad_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(squads.c.id).where(squads.c.name == (name or "").strip())
                         ).scalar()
    if found is None:
        raise LookupError(f"no squad named {name!r}")
    return int(found)


def _join(conn: Connection, squad_id: int, athlete_id: int) -> None:
    if not conn.execute(select(squad_athletes).where(and_(
            squad_athletes.c.squad_id == squad_id,
            squad_athletes.c.athlete_id == athlete_id))).first():
        conn.execute(insert(squad_athletes).values(squad_id=squad_id, athlete_id=athlete_id,
                                                   joined_at=_now()))


def _invitation(conn: Connection, token: str) -> Any:
    row = conn.execute(
        select(invitations.c.id, invitations.c.squad_id, invitations.c.expires_at,
               invitations.c.used_at, squads.c.name.label("squad"))
        .join(squads, squads.c.id == invitations.c.squad_id)
        .where(invitations.c.token_sha256 == token_digest(token or ""))).first()
    if row is None:
        raise AccessDenied("this invitation link is not valid")
    if row.used_at is not None:
        raise AccessDenied("this invitation link was used already")
    if row.expires_at <= _now():
        raise AccessDenied("this invitation link has expired")
    return row

