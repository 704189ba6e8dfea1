"""One-time codes for a session's email or phone: 6 digits, hashed, 10 minutes, 5 attempts,
at most 5 sends per session and channel, 30 seconds between sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import psycopg

from shared.crypto.envelope import TenantCipher
from shared.tenancy.secrets import code_hash, codes_equal, new_code, secret_hash

Channel = Literal["email", "phone"]
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_SENDS = 5
RESEND_INTERVAL = timedelta(seconds=30)


class OtpError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass
class OtpState:
    verified: bool
    attempts_left: int
    expired: bool
    target: str
    details: dict
    sends_left: int = MAX_SENDS - 1

    @property
    def exhausted(self) -> bool:
        """No way left to verify: this code is dead and no new one may be sent."""
        return (self.attempts_left == 0 or self.expired) and self.sends_left == 0


_NEWEST = "FROM otp_codes WHERE session_id = %s AND channel = %s ORDER BY created_at DESC LIMIT 1"


def _newest(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    channel: Channel,
    *,
    for_update: bool,
) -> tuple[dict, str] | None:
    """The newest code sent on the channel and its target, opened; None if none was sent.
    `for_update` locks the row; otherwise the row also says how many codes were `sent`
    (Postgres locks no rows under a window function)."""
    columns = "*" if for_update else "*, count(*) OVER () AS sent"
    sql = f"SELECT {columns} {_NEWEST}" + (" FOR UPDATE" if for_update else "")
    row = conn.execute(sql, (session_id, channel)).fetchone()
    if row is None:
        return None
    return row, cipher.open("otp", str(row["id"]), row["target_enc"]).decode()


def issue_code(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    pepper: bytes,
    session_id: str,
    channel: Channel,
    target: str,
    details: dict,
    fixed_code: str | None = None,
) -> str:
    """A new code for `target` (sent by the caller). Resends reuse the row, with limits.
    `fixed_code`: the sandbox's documented code instead of a random one."""
    now = datetime.now(UTC)
    sends = conn.execute(
        "SELECT coalesce(sum(sends), 0) AS n, max(last_sent_at) AS last FROM otp_codes "
        "WHERE session_id = %s AND channel = %s",
        (session_id, channel),
    ).fetchone()
    if sends["n"] >= MAX_SENDS:
        raise OtpError(429, "otp-send-limit", "too many codes sent for this session")
    if sends["last"] and now - sends["last"] < RESEND_INTERVAL:
        wait = int((RESEND_INTERVAL - (now - sends["last"])).total_seconds()) + 1
        raise OtpError(429, "otp-resend-too-soon", "wait before requesting another code", wait)
    code = fixed_code or new_code()
    row = conn.execute(
        "INSERT INTO otp_codes (tenant_id, session_id, channel, target_enc, target_hash, code_hash,"
        " expires_at, details) VALUES (%s, %s, %s, '\\x00', %s, '', %s, %s) RETURNING id",
        (
            cipher.tenant_id,
            session_id,
            channel,
            secret_hash(target),
            now + CODE_TTL,
            psycopg.types.json.Jsonb(details),
        ),
    ).fetchone()
    otp_id = str(row["id"])
    conn.execute(
        "UPDATE otp_codes SET target_enc = %s, code_hash = %s WHERE id = %s",
        (
            cipher.seal("otp", otp_id, target.encode()),
            code_hash(pepper, f"otp:{otp_id}", target, code),
            otp_id,
        ),
    )
    return code


def check_code(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    pepper: bytes,
    session_id: str,
    channel: Channel,
    code: str,
) -> OtpState:
    """Check a code against the newest code sent; counts the attempt (the caller commits)."""
    newest = _newest(conn, cipher, session_id, channel, for_update=True)
    if newest is None:
        raise OtpError(409, "otp-not-sent", f"no {channel} code was sent for this session")
    row, target = newest
    if row["verified_at"] is not None:
        return OtpState(True, MAX_ATTEMPTS - row["attempts"], False, target, row["details"])
    if row["attempts"] >= MAX_ATTEMPTS:
        raise OtpError(429, "otp-too-many-attempts", "too many attempts; request a new code")
    if row["expires_at"] <= datetime.now(UTC):
        raise OtpError(410, "otp-expired", "the code has expired; request a new one")
    attempts = row["attempts"] + 1
    ok = codes_equal(code_hash(pepper, f"otp:{row['id']}", target, code.strip()), row["code_hash"])
    conn.execute(
        "UPDATE otp_codes SET attempts = %s, verified_at = CASE WHEN %s THEN now() END "
        "WHERE id = %s",
        (attempts, ok, row["id"]),
    )
    return OtpState(ok, MAX_ATTEMPTS - attempts, False, target, row["details"])


def latest_state(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, channel: Channel
) -> OtpState | None:
    newest = _newest(conn, cipher, session_id, channel, for_update=False)
    if newest is None:
        return None
    row, target = newest
    return OtpState(
        verified=row["verified_at"] is not None,
        attempts_left=max(0, MAX_ATTEMPTS - row["attempts"]),
        expired=row["expires_at"] <= datetime.now(UTC),
        target=target,
        details=row["details"],
        sends_left=max(0, MAX_SENDS - row["sent"]),
    )
