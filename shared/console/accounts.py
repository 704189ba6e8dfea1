"""Team accounts: invitations by e-mail, password (argon2id) plus TOTP, signed-in browser
sessions, lock-out, and the audit of every sign-in.

A console session is a random cookie token (only its SHA-256 is stored). Signing in takes
two requests: the password opens a session with `mfa_done = false`, which reaches nothing
but the code form; a valid TOTP code (each time step accepted once) completes it. Failures
of either count towards the lock-out; each is audited under the person's tenant.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import psycopg
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from shared.audit import audit
from shared.console.errors import AccountLocked, InviteInvalid, NotAllowed, SignInFailed
from shared.console.roles import ROLES, may_grant
from shared.crypto.envelope import TenantCipher
from shared.db.tenant_tx import Database
from shared.messaging.delivery import record_message
from shared.tenancy.secrets import secret_hash

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
INVITE_DAYS = 7
MIN_PASSWORD = 12
ISSUER = "idmesh console"
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps an unknown address as slow as a wrong password (made on
    first use: an argon2 hash costs a cold start ~0.3 s, and the API imports this module)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def warm_up() -> None:
    """Make the dummy hash off the request path (the console starts a thread for it), so the
    first unknown address is not slower than a wrong password."""
    _dummy_hash()


@dataclass(frozen=True)
class Person:
    """A signed-in (or signing-in) person, as every console request sees them."""

    tenant_id: str
    user_id: str
    console_session_id: str
    email: str
    name: str | None
    role: str
    mfa_done: bool

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"

    @property
    def actor_name(self) -> str:
        return self.name or self.email

    def actor_ref(self) -> dict[str, str | None]:
        return {"type": "user", "id": self.user_id, "name": self.actor_name}


@dataclass(frozen=True)
class Invitation:
    invite_id: str
    tenant_id: str
    user_id: str
    email: str
    role: str
    totp_secret: str

    @property
    def provisioning_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.email, issuer_name=ISSUER)


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InviteInvalid("not a valid e-mail address") from exc


# -- invitations ------------------------------------------------------------------------------
def invite(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    actor: str,
    actor_role: str,
    email: str,
    role: str,
    console_url: str,
    actor_name: str | None = None,
) -> tuple[str, str]:
    """A new person (status `invited`) and an invitation e-mail through the messaging
    outbox: (user id, the invitation link). The caller hands the message to the provider
    after commit."""
    if role not in ROLES:
        raise InviteInvalid(f"unknown role {role!r}")
    if not may_grant(actor_role, role):
        raise NotAllowed(f"the {actor_role} role may not invite a {role}")
    address = normalise_email(email)
    user_id = str(uuid.uuid4())
    totp = pyotp.random_base32()
    try:
        with conn.transaction():  # a savepoint: the address may belong to someone already
            conn.execute(
                "INSERT INTO console_users (id, tenant_id, email, role, totp_secret_enc, "
                "invited_by) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    user_id,
                    cipher.tenant_id,
                    address,
                    role,
                    cipher.seal("console-totp", user_id, totp.encode()),
                    actor,
                ),
            )
    except psycopg.errors.UniqueViolation as exc:
        raise InviteInvalid("this address already has a console account") from exc
    token = "ici_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO console_invites (tenant_id, user_id, token_hash, expires_at) "
        "VALUES (%s, %s, %s, %s)",
        (cipher.tenant_id, user_id, secret_hash(token), datetime.now(UTC) + timedelta(INVITE_DAYS)),
    )
    link = f"{console_url.rstrip('/')}/invite/{token}"
    record_message(
        conn,
        "email",
        address,
        "You are invited to the idmesh review console",
        f"You were invited as {role}. Open this link within {INVITE_DAYS} days to set your "
        f"password and your authenticator app:\n\n{link}\n",
        cipher.tenant_id,
    )
    audit(
        conn,
        cipher.tenant_id,
        actor,
        "console.user_invited",
        details={"user_id": user_id, "role": role},
        actor_name=actor_name,
    )
    return user_id, link


def find_invitation(db: Database, token: str) -> tuple[str, str, str]:
    """(tenant id, invite id, user id) of an open invitation, else InviteInvalid."""
    if not token.startswith("ici_") or len(token) > 100:
        raise InviteInvalid("unknown invitation")
    with db.no_tenant() as conn:
        row = conn.execute(
            "SELECT * FROM idmesh_console_invite(%s)", (secret_hash(token),)
        ).fetchone()
    if row is None:
        raise InviteInvalid("this invitation is unknown, used or expired")
    return str(row["tenant_id"]), str(row["invite_id"]), str(row["user_id"])


def load_invitation(
    conn: psycopg.Connection, cipher: TenantCipher, invite_id: str, user_id: str
) -> Invitation:
    row = conn.execute(
        "SELECT email, role, totp_secret_enc FROM console_users WHERE id = %s AND status = "
        "'invited'",
        (user_id,),
    ).fetchone()
    if row is None:
        raise InviteInvalid("this invitation is unknown, used or expired")
    secret = cipher.open("console-totp", user_id, row["totp_secret_enc"]).decode()
    return Invitation(invite_id, cipher.tenant_id, user_id, row["email"], row["role"], secret)


def accept_invitation(
    conn: psycopg.Connection, inv: Invitation, name: str, password: str, code: str
) -> None:
    """The invited person sets a password and proves their authenticator app works."""
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise InviteInvalid(f"the password needs at least {MIN_PASSWORD} characters")
    step = _totp_step(inv.totp_secret, code, 0)
    if step is None:
        raise InviteInvalid("the code from the authenticator app is not valid")
    done = conn.execute(
        "UPDATE console_invites SET used_at = now() WHERE id = %s AND used_at IS NULL RETURNING id",
        (inv.invite_id,),
    ).fetchone()
    if done is None:
        raise InviteInvalid("this invitation was used already")
    conn.execute(
        "UPDATE console_users SET status = 'active', name = %s, password_hash = %s, "
        "totp_last_step = %s WHERE id = %s",
        (name.strip()[:200] or None, _hasher.hash(password), step, inv.user_id),
    )
    audit(
        conn,
        inv.tenant_id,
        f"user:{inv.user_id}",
        "console.user_activated",
        details={"role": inv.role},
        actor_name=name.strip()[:200] or inv.email,
    )


# -- signing in ------------------------------------------------------------------------------
def _totp_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step a code belongs to (±1 step of clock drift), if newer than `last_step`."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def refusal(*, locked: bool) -> SignInFailed | AccountLocked:
    """What a failed sign-in answers: the account locked out, else the one message that does
    not tell which of address, password or code was wrong."""
    if locked:
        return AccountLocked("too many failed attempts: try again later")
    return SignInFailed("wrong address, password or code")


def is_locked(row: dict) -> bool:
    """Whether the account row is locked out now (too many failures)."""
    return row["locked_until"] is not None and row["locked_until"] > datetime.now(UTC)


def _fail(conn: psycopg.Connection, tenant_id: str, row: dict, why: str) -> bool:
    """Count a failure (locking the account at MAX_FAILURES); True when now locked."""
    failures = row["failed_attempts"] + 1
    lock = failures >= MAX_FAILURES
    conn.execute(
        "UPDATE console_users SET failed_attempts = %s, locked_until = %s WHERE id = %s",
        (
            0 if lock else failures,
            datetime.now(UTC) + timedelta(minutes=LOCK_MINUTES) if lock else None,
            str(row["id"]),
        ),
    )
    audit(
        conn,
        tenant_id,
        f"user:{row['id']}",
        "console.sign_in_failed",
        details={"reason": why, "locked": lock},
        actor_name=row["name"] or row["email"],
    )
    return lock


def sign_in_address(email: str) -> str:
    """The address as typed at sign-in, as accounts are looked up by it."""
    return email.strip().lower()[:320]


def find_address(db: Database, email: str) -> tuple[str, str] | None:
    """(tenant id, user id) of the console account with this sign-in address, or None;
    the lookup that runs before the tenant is known."""
    with db.no_tenant() as conn:
        found = conn.execute(
            "SELECT * FROM idmesh_console_user_by_email(%s)", (sign_in_address(email),)
        ).fetchone()
    return None if found is None else (str(found["tenant_id"]), str(found["user_id"]))


def sign_in_password(db: Database, email: str, password: str) -> str:
    """Step one: address and password. A new console session (code still due): its token."""
    found = find_address(db, email)
    if found is None:
        _verify(_dummy_hash(), password)
        raise refusal(locked=False)
    tenant_id, user_id = found
    error: Exception | None = None
    token = None
    with db.tenant(tenant_id) as conn:
        row = conn.execute(
            "SELECT id, email, name, status, password_hash, failed_attempts, locked_until "
            "FROM console_users WHERE id = %s FOR UPDATE",
            (user_id,),
        ).fetchone()
        if row["status"] != "active" or row["password_hash"] is None:
            _verify(_dummy_hash(), password)
            error = refusal(locked=False)
        elif is_locked(row):
            error = refusal(locked=True)
        elif not _verify(row["password_hash"], password):
            locked = _fail(conn, tenant_id, row, "password")
            error = refusal(locked=locked)
        else:
            token = _open_session(conn, tenant_id, str(row["id"]))
    if error is not None:  # raised after the failure count committed
        raise error
    assert token is not None
    return token


def sign_in_code(db: Database, cipher_for, person: Person, code: str) -> None:
    """Step two: the TOTP code completes the session (`cipher_for(conn)`: the tenant's)."""
    error: Exception | None = None
    with db.tenant(person.tenant_id) as conn:
        row = conn.execute(
            "SELECT id, email, name, status, totp_secret_enc, totp_last_step, failed_attempts, "
            "locked_until FROM console_users WHERE id = %s FOR UPDATE",
            (person.user_id,),
        ).fetchone()
        if row is None or row["status"] != "active":
            error = refusal(locked=False)
        elif is_locked(row):
            conn.execute(
                "UPDATE console_sessions SET ended_at = now() WHERE id = %s",
                (person.console_session_id,),
            )
            error = refusal(locked=True)
        else:
            secret = cipher_for(conn).open("console-totp", person.user_id, row["totp_secret_enc"])
            step = _totp_step(secret.decode(), code, row["totp_last_step"])
            if step is None:
                locked = _fail(conn, person.tenant_id, row, "code")
                if locked:
                    conn.execute(
                        "UPDATE console_sessions SET ended_at = now() WHERE id = %s",
                        (person.console_session_id,),
                    )
                error = refusal(locked=locked)
            else:
                conn.execute(
                    "UPDATE console_users SET totp_last_step = %s, failed_attempts = 0, "
                    "locked_until = NULL, last_sign_in_at = now() WHERE id = %s",
                    (step, person.user_id),
                )
                conn.execute(
                    "UPDATE console_sessions SET mfa_done = true WHERE id = %s",
                    (person.console_session_id,),
                )
                audit(
                    conn,
                    person.tenant_id,
                    person.actor,
                    "console.signed_in",
                    details={"factors": ["password", "totp"]},
                    actor_name=person.actor_name,
                )
    if error is not None:
        raise error


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password[:1024])
    except (VerificationError, InvalidHashError):
        return False


def _open_session(conn: psycopg.Connection, tenant_id: str, user_id: str) -> str:
    token = "ics_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO console_sessions (tenant_id, user_id, token_hash, expires_at) "
        "VALUES (%s, %s, %s, %s)",
        (
            tenant_id,
            user_id,
            secret_hash(token),
            datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
        ),
    )
    return token


def person_for(db: Database, token: str | None) -> Person | None:
    """The person a session cookie belongs to (None: no, ended or expired session)."""
    if not token or not token.startswith("ics_") or len(token) > 100:
        return None
    with db.no_tenant() as conn:
        found = conn.execute(
            "SELECT * FROM idmesh_console_session(%s)", (secret_hash(token),)
        ).fetchone()
    if found is None:
        return None
    tenant_id = str(found["tenant_id"])
    with db.tenant(tenant_id) as conn:
        row = conn.execute(
            "UPDATE console_sessions s SET last_seen_at = now() FROM console_users u "
            "WHERE s.id = %s AND u.id = s.user_id AND u.status = 'active' "
            "RETURNING s.id, s.mfa_done, u.id AS user_id, u.email, u.name, u.role",
            (str(found["console_session_id"]),),
        ).fetchone()
    if row is None:
        return None
    return Person(
        tenant_id,
        str(row["user_id"]),
        str(row["id"]),
        row["email"],
        row["name"],
        row["role"],
        row["mfa_done"],
    )


def sign_out(db: Database, person: Person) -> None:
    with db.tenant(person.tenant_id) as conn:
        conn.execute(
            "UPDATE console_sessions SET ended_at = now() WHERE id = %s",
            (person.console_session_id,),
        )
        audit(
            conn, person.tenant_id, person.actor, "console.signed_out", actor_name=person.actor_name
        )


# -- the team -----------------------------------------------------------------------------------
def team(conn: psycopg.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT id, email, name, role, status, last_sign_in_at, locked_until, created_at "
        "FROM console_users ORDER BY created_at"
    ).fetchall()
    return [dict(r) for r in rows]


def people_who_decide(conn: psycopg.Connection) -> list[dict]:
    """Active people a case can be assigned to."""
    rows = conn.execute(
        "SELECT id, email, name, role FROM console_users WHERE status = 'active' "
        "AND role IN ('owner', 'admin', 'reviewer') ORDER BY coalesce(name, email)"
    ).fetchall()
    return [dict(r) for r in rows]


def set_role(conn: psycopg.Connection, person: Person, user_id: str, role: str) -> None:
    """An owner or admin changes a person's role, or disables the account (`disabled`):
    admins touch neither owners nor make one; nobody changes their own account. Audited;
    a disabled person's console sessions end."""
    from shared.console.roles import require

    require(person.role, "team:manage")
    try:
        uid = str(uuid.UUID(user_id))
    except ValueError as exc:
        raise InviteInvalid("no such person") from exc
    if uid == person.user_id:
        raise NotAllowed("you cannot change your own role")
    row = conn.execute(
        "SELECT id, role, status FROM console_users WHERE id = %s FOR UPDATE", (uid,)
    ).fetchone()
    if row is None:
        from shared.errors import UnknownSubject

        raise UnknownSubject("no such person")
    if row["role"] == "owner" and person.role != "owner":
        raise NotAllowed("only an owner changes an owner")
    if role == "disabled":
        conn.execute("UPDATE console_users SET status = 'disabled' WHERE id = %s", (uid,))
        conn.execute(
            "UPDATE console_sessions SET ended_at = now() WHERE user_id = %s AND ended_at IS NULL",
            (uid,),
        )
    elif may_grant(person.role, role):
        conn.execute("UPDATE console_users SET role = %s WHERE id = %s", (role, uid))
    else:
        raise NotAllowed(f"the {person.role} role may not grant {role}")
    audit(
        conn,
        person.tenant_id,
        person.actor,
        "console.role_changed",
        details={"user_id": uid, "from": row["role"], "to": role},
        actor_name=person.actor_name,
    )
