"""Device signals from the hosted flow: what the end user's browser reports about itself.

The hosted page posts a small report (`POST /v/<token>/device`, `static/device.js`): a few
traits of the browser (screen, language, platform, cores…), the IANA timezone and
automation hints (`navigator.webdriver`, a headless user agent). The traits and the
user agent become one **per-tenant keyed hash** (`device_key`, the tenant's data key: the
same browser matches inside a tenant, never across tenants) and are not stored; the
timezone and hints are, as evidence. The same key goes to `risk_keys` (kind `device`) for
velocity. How each capture was taken (camera or file) and cross-device handoff come from
the pages themselves (`session_steps.source`, `sessions.handoff_method`).

Timezone → countries: the IANA tables `zone.tab` and `zone1970.tab` shipped in `tzdata`
(Apache-2.0, the IANA time zone database; refreshed by upgrading the package).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache
from importlib import resources
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.crypto.envelope import TenantCipher
from shared.risk import codes as c
from shared.risk.keys import record_key
from shared.risk.score import Signal

# Hints a page may report, and what the server adds from the User-Agent header.
CLIENT_HINTS = frozenset({"webdriver", "headless_ua", "no_languages", "zero_outer_size"})
_HEADLESS_UA = ("HeadlessChrome", "PhantomJS", "Headless")
MAX_TRAITS = 16
MAX_TRAIT_LEN = 200


class DeviceReport(BaseModel):
    """What the page reports (bad input is a 422 at the edge)."""

    model_config = ConfigDict(extra="forbid")

    timezone: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")
    traits: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    hints: list[str] = Field(default_factory=list, max_length=len(CLIENT_HINTS))

    @field_validator("traits")
    @classmethod
    def _small(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(v) > MAX_TRAITS:
            raise ValueError(f"at most {MAX_TRAITS} traits")
        for k, val in v.items():
            if len(k) > 40 or len(str(val)) > MAX_TRAIT_LEN:
                raise ValueError("a trait is at most 40 characters of name, 200 of value")
        return v

    @field_validator("hints")
    @classmethod
    def _known_hints(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - CLIENT_HINTS)
        if unknown:
            raise ValueError(f"unknown hint: {', '.join(unknown)}")
        return sorted(set(v))


def device_key(cipher: TenantCipher, report: DeviceReport, user_agent: str) -> str:
    """The keyed hash of the browser's traits (never stored in clear)."""
    canonical = json.dumps(
        {"traits": report.traits, "ua": user_agent, "tz": report.timezone},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.new(cipher.dek, f"risk:device:{canonical}".encode(), hashlib.sha256).hexdigest()


def automation_hints(report: DeviceReport, user_agent: str) -> list[str]:
    hints = set(report.hints)
    if any(h in user_agent for h in _HEADLESS_UA):
        hints.add("headless_ua")
    return sorted(hints)


def record_device(
    conn: psycopg.Connection,
    cipher: TenantCipher,
    session_id: str,
    report: DeviceReport,
    user_agent: str,
    via_handoff: bool,
) -> str:
    """Store one report of the session's device (in its tenant transaction); its key."""
    key = device_key(cipher, report, user_agent[:512])
    conn.execute(
        "INSERT INTO session_devices (tenant_id, session_id, device_key, via, timezone, "
        "automation) VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (tenant_id, session_id, device_key) DO UPDATE SET "
        "reports = session_devices.reports + 1, last_seen = now(), "
        "automation = EXCLUDED.automation",
        (
            cipher.tenant_id,
            session_id,
            key,
            "handoff" if via_handoff else "link",
            report.timezone,
            automation_hints(report, user_agent),
        ),
    )
    record_key(conn, cipher.tenant_id, session_id, "device", key)
    return key


@cache
def _zone_countries() -> dict[str, frozenset[str]]:
    """IANA zone → the ISO countries it is used in (zone.tab ∪ zone1970.tab)."""
    out: dict[str, set[str]] = {}
    base = resources.files("tzdata") / "zoneinfo"
    for name in ("zone.tab", "zone1970.tab"):
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            out.setdefault(cols[2], set()).update(cols[0].split(","))
    return {z: frozenset(cs) for z, cs in out.items()}


def timezone_countries(zone: str | None) -> frozenset[str]:
    """The countries of an IANA zone; empty for unknown or country-less zones (Etc/UTC)."""
    return _zone_countries().get(zone or "", frozenset())


class SessionDevice(BaseModel):
    device_key: str
    via: str
    timezone: str | None
    automation: list[str]
    reports: int


def session_devices(conn: psycopg.Connection, session_id: str) -> list[SessionDevice]:
    rows = conn.execute(
        "SELECT device_key, via, timezone, automation, reports FROM session_devices "
        "WHERE session_id = %s ORDER BY first_seen",
        (session_id,),
    ).fetchall()
    return [SessionDevice(**r) for r in rows]


def device_signals(
    devices: list[SessionDevice],
    ip_country: str | None,
    uploads: list[str],
    handoff_method: str | None,
) -> list[Signal]:
    """Automation hints, timezone against the IP country, file uploads, handoff."""
    signals: list[Signal] = []
    hints = sorted({h for d in devices for h in d.automation})
    if hints:
        signals.append(
            Signal(
                code=c.DEVICE_AUTOMATION,
                value=hints,
                evidence={"hints": hints, "devices": len(devices)},
            )
        )
    if ip_country:
        for d in devices:
            countries = timezone_countries(d.timezone)
            if countries and ip_country not in countries:
                signals.append(
                    Signal(
                        code=c.DEVICE_TIMEZONE_MISMATCH,
                        value=True,
                        evidence={
                            "timezone": d.timezone,
                            "timezone_countries": sorted(countries),
                            "ip": ip_country,
                        },
                    )
                )
                break
    if uploads:
        signals.append(
            Signal(code=c.DEVICE_FILE_UPLOAD, value=sorted(uploads), evidence={"steps": uploads})
        )
    if handoff_method in ("qr", "link"):
        signals.append(
            Signal(
                code=c.DEVICE_HANDOFF,
                value=handoff_method,
                evidence={
                    "method": handoff_method,
                    "devices": len(devices),
                    "handoff_devices": len([d for d in devices if d.via == "handoff"]),
                },
            )
        )
    return signals
