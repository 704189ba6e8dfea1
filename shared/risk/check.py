"""The `risk` workflow step: network, device, behaviour and velocity signals, scored.

Network: the addresses the end user's requests came from (recorded by the API through
trusted proxies only), their registered countries, private or reserved ranges, and whether
the IP country, the phone's country and the document's issuing state agree. Velocity: the
session's document number, email, phone, device and IP against this tenant's other sessions
in the window (keyed hashes, an index per key). Put the step `after` the steps whose data it
reads (id_document, email, phone; blocklist for the face) so that their values are there.
Device and behaviour signals come from the hosted flow (`shared/risk/device.py`,
`behaviour.py`); sessions driven through the API alone have none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import iso3166

from shared.blocklist.session_values import session_values
from shared.blocklist.store import normalise
from shared.checks.result import CheckResult
from shared.contact.otp import latest_state
from shared.risk import codes as c
from shared.risk.behaviour import behaviour_signals, behaviour_summary, session_steps
from shared.risk.device import device_signals, session_devices
from shared.risk.face import face_velocity
from shared.risk.keys import Velocity, record_key, velocity, velocity_key
from shared.risk.network import SessionAddress, session_addresses
from shared.risk.params import RiskParams
from shared.risk.score import Signal, risk_result
from shared.sessions.check_inputs import CheckInputs

_MRZ_ONLY = {"D": "DE"}  # ICAO codes that are not ISO 3166 alpha-3


def alpha2(issuing_state: str | None) -> str | None:
    """The ISO alpha-2 of an MRZ issuing state (alpha-3, or `D` for Germany)."""
    if not issuing_state:
        return None
    code = issuing_state.strip("<").upper()
    if code in _MRZ_ONLY:
        return _MRZ_ONLY[code]
    country = iso3166.countries_by_alpha3.get(code)
    return country.alpha2 if country else None


def network_signals(
    addresses: list[SessionAddress], phone: str | None, document: str | None
) -> tuple[list[Signal], str | None]:
    """The network signals and the session's IP country (its most used address's)."""
    signals: list[Signal] = []
    public = [a for a in addresses if not a.reserved]
    reserved = [a for a in addresses if a.reserved]
    if reserved and not public:
        signals.append(
            Signal(
                code=c.IP_PRIVATE_RANGE,
                value=True,
                evidence={"prefixes": [a.prefix for a in reserved]},
            )
        )
    if public and not any(a.country for a in public):
        signals.append(
            Signal(
                code=c.IP_COUNTRY_UNKNOWN,
                value=None,
                evidence={"prefixes": [a.prefix for a in public]},
            )
        )
    countries = sorted({a.country for a in public if a.country})
    if len(countries) > 1:
        signals.append(
            Signal(
                code=c.IP_MULTIPLE_COUNTRIES,
                value=countries,
                evidence={"prefixes": {a.prefix: a.country for a in public if a.country}},
            )
        )
    ip = next((a.country for a in public if a.country), None)
    pairs = (
        (c.IP_DOCUMENT_COUNTRY_MISMATCH, "ip", ip, "document", document),
        (c.IP_PHONE_COUNTRY_MISMATCH, "ip", ip, "phone", phone),
        (c.PHONE_DOCUMENT_COUNTRY_MISMATCH, "phone", phone, "document", document),
    )
    for code, a_name, a, b_name, b in pairs:
        if a and b and a != b:
            signals.append(Signal(code=code, value=True, evidence={a_name: a, b_name: b}))
    return signals, ip


def risk_step(inputs: CheckInputs) -> CheckResult:
    params = RiskParams.model_validate(inputs.params)
    conn, cipher, sid = inputs.conn, inputs.cipher, str(inputs.session.id)
    values = session_values(conn, cipher, sid)
    phone_state = latest_state(conn, cipher, sid, "phone")
    phone_country = (phone_state.details.get("country") if phone_state else None) or None
    document = alpha2(inputs.document_mrz().get("issuing_country"))
    addresses = session_addresses(conn, sid)
    signals, ip_country = network_signals(addresses, phone_country, document)

    devices = session_devices(conn, sid)
    steps = session_steps(conn, sid)
    handoff = conn.execute("SELECT handoff_method FROM sessions WHERE id = %s", (sid,)).fetchone()
    uploads = [s.step for s in steps if s.source == "upload"]
    signals += device_signals(devices, ip_country, uploads, handoff and handoff["handoff_method"])
    signals += behaviour_signals(steps, params)

    keys: dict[str, list[str]] = {
        "ip": [a.ip_key for a in addresses],
        "device": [d.device_key for d in devices],
    }
    for kind in ("document_number", "email", "phone"):
        norm = normalise(kind, values[kind]) if kind in values else None
        if norm:
            keys[kind] = [velocity_key(cipher, kind, norm)]
    since = datetime.now(UTC) - timedelta(hours=params.window_hours)
    found_by_kind: dict[str, tuple[Velocity | None, dict]] = {}
    for kind, kind_keys in keys.items():
        found = []
        for key in kind_keys:
            record_key(conn, inputs.tenant_id, sid, kind, key)
            found.append(velocity(conn, kind, key, sid, since))
        found_by_kind[kind] = (max(found, key=lambda f: f.other_sessions, default=None), {})
    face = face_velocity(conn, cipher, sid, since, params.face_similarity)
    if face is not None:
        found_by_kind["face"] = (
            face[0],
            {"similarity_at_least": params.face_similarity, "best_similarity": face[1]},
        )
    for kind, (v, extra) in found_by_kind.items():
        if v is not None and v.other_sessions >= params.limit(kind):
            signals.append(
                Signal(
                    code=c.VELOCITY_CODES[kind],
                    value=v.other_sessions,
                    evidence={
                        "window_hours": params.window_hours,
                        "limit": params.limit(kind),
                        "session_ids": v.session_ids,
                        **extra,
                    },
                )
            )
    countries = {"ip": ip_country, "phone": phone_country, "document": document}
    result = risk_result(signals, params, countries)
    result.data["behaviour"] = behaviour_summary(steps)
    result.data["devices"] = [
        {"via": d.via, "timezone": d.timezone, "automation": d.automation, "reports": d.reports}
        for d in devices
    ]
    return result
