"""Risk signals without the platform: the client address through trusted proxies, the
facts of an address, the network signals and the score's contributions."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared.http.client_addr import client_addr, parse_cidrs
from shared.risk import codes as c
from shared.risk.check import alpha2, network_signals
from shared.risk.network import SessionAddress, ip_facts
from shared.risk.params import RiskParams
from shared.risk.score import Signal, risk_result


def request(peer: str, *xff: str) -> Request:
    headers = [("X-Forwarded-For", v) for v in xff]
    env = EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": peer}).get_environ()
    return Request(env)


def test_forwarded_for_is_believed_only_from_trusted_networks():
    proxies = parse_cidrs("10.0.0.0/8, 127.0.0.1/32")
    # The peer is a trusted proxy: the entry it appended is the client.
    assert client_addr(request("10.1.2.3", "81.2.69.142"), 0, proxies) == "81.2.69.142"
    # A client writing its own entry in front gains nothing.
    assert client_addr(request("10.1.2.3", "1.1.1.1, 81.2.69.142"), 0, proxies) == "81.2.69.142"
    # Two trusted hops: the first untrusted address from the right.
    got = client_addr(request("127.0.0.1", "5.39.0.1, 10.9.9.9"), 0, proxies)
    assert got == "5.39.0.1"
    # An untrusted peer's header is ignored.
    assert client_addr(request("8.8.8.8", "81.2.69.142"), 0, proxies) == "8.8.8.8"
    # Garbage from a trusted hop: the last address we could believe.
    assert client_addr(request("10.1.2.3", "not-an-ip"), 0, proxies) == "10.1.2.3"
    # Without networks nothing changes: the count rule, or the peer.
    assert client_addr(request("10.1.2.3", "81.2.69.142"), 0) == "10.1.2.3"
    with pytest.raises(ValueError, match="not a network"):
        parse_cidrs("10.0.0.0/8, nope")


def test_address_facts():
    gb = ip_facts("81.2.69.142")
    assert (gb.country, gb.reserved, gb.prefix) == ("GB", False, "81.2.69.0/24")
    assert ip_facts("::ffff:81.2.69.142").country == "GB"
    for private in ("10.0.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "::1", "fc00::1"):
        f = ip_facts(private)
        assert f.reserved and f.country is None, private
    assert ip_facts("2a00:1450::1").prefix == "2a00:1450::/48"
    assert ip_facts("not an address") is None


def addr(country, reserved=False, prefix="81.2.69.0/24"):
    return SessionAddress(
        ip_key="k" + prefix, prefix=prefix, country=country, reserved=reserved, requests=1
    )


def test_network_signals_and_country_mismatches():
    signals, ip = network_signals([addr("GB")], phone="GB", document="FR")
    assert ip == "GB"
    assert [(s.code, s.evidence) for s in signals] == [
        (c.IP_DOCUMENT_COUNTRY_MISMATCH, {"ip": "GB", "document": "FR"}),
        (c.PHONE_DOCUMENT_COUNTRY_MISMATCH, {"phone": "GB", "document": "FR"}),
    ]
    signals, ip = network_signals([addr(None, True, "10.0.0.0/24")], phone=None, document="FR")
    assert ip is None and [s.code for s in signals] == [c.IP_PRIVATE_RANGE]
    two = [addr("GB"), addr("FR", prefix="5.39.0.0/24")]
    signals, _ = network_signals(two, phone=None, document=None)
    assert [(s.code, s.value) for s in signals] == [(c.IP_MULTIPLE_COUNTRIES, ["FR", "GB"])]
    assert network_signals([addr("FR")], "FR", "FR")[0] == []


def test_mrz_issuing_states_to_alpha2():
    assert alpha2("FRA") == "FR" and alpha2("D") == "DE" and alpha2("D<<") == "DE"
    assert alpha2("UTO") is None and alpha2(None) is None


def test_the_score_is_the_sum_of_contributions():
    signals = [
        Signal(code=c.IP_DOCUMENT_COUNTRY_MISMATCH, value=True),
        Signal(code=c.VELOCITY_DOCUMENT_NUMBER, value=3, evidence={"session_ids": ["a"]}),
    ]
    r = risk_result(signals, RiskParams(), {"ip": "GB", "document": "FR"})
    assert r.score == 65 and r.status.value == "warning"
    assert [s["contribution"] for s in r.data["signals"]] == [30, 35]
    assert r.warning_codes() == [c.IP_DOCUMENT_COUNTRY_MISMATCH, c.VELOCITY_DOCUMENT_NUMBER]
    low = risk_result(signals[:1], RiskParams(), {})
    assert low.status.value == "passed" and low.score == 30
    failed = risk_result(
        signals, RiskParams(fail_at=60, weights={"VELOCITY_DOCUMENT_NUMBER": 80}), {}
    )
    assert failed.status.value == "failed" and failed.score == 100
    assert risk_result([], RiskParams(), {}).score == 0


def test_timezone_countries_from_the_iana_tables():
    from shared.risk.device import timezone_countries

    assert "DE" in timezone_countries("Europe/Berlin")
    assert "GB" in timezone_countries("Europe/London")
    assert timezone_countries("Etc/UTC") == frozenset() and timezone_countries(None) == set()
    assert timezone_countries("Mars/Olympus") == frozenset()


def test_device_and_behaviour_signals_from_their_evidence():
    from datetime import UTC, datetime, timedelta

    from shared.risk.behaviour import StepBehaviour, behaviour_signals
    from shared.risk.device import SessionDevice, device_signals

    def dev(tz, hints=(), via="link"):
        return SessionDevice(
            device_key="k", via=via, timezone=tz, automation=list(hints), reports=1
        )

    got = device_signals([dev("Asia/Tokyo", ["webdriver"])], "GB", ["selfie"], "qr")
    assert [s.code for s in got] == [
        c.DEVICE_AUTOMATION,
        c.DEVICE_TIMEZONE_MISMATCH,
        c.DEVICE_FILE_UPLOAD,
        c.DEVICE_HANDOFF,
    ]
    assert got[1].evidence["ip"] == "GB" and "JP" in got[1].evidence["timezone_countries"]
    # a timezone of the IP's country, no IP country, or a country-less zone: nothing
    assert device_signals([dev("Europe/London")], "GB", [], None) == []
    assert device_signals([dev("Asia/Tokyo")], None, [], None) == []
    assert device_signals([dev("Etc/UTC")], "GB", [], "same_device") == []

    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def step(name, seconds, retakes=0):
        done = t0 + timedelta(seconds=seconds) if seconds is not None else None
        return StepBehaviour(
            step=name, first_seen=t0, done_at=done, source="camera", retakes=retakes
        )

    steps = [step("consent", 0.5), step("selfie", 1.2, 2), step("document_front", 9, 1)]
    got = {s.code: s for s in behaviour_signals(steps, RiskParams())}
    assert got[c.BEHAVIOUR_FAST_STEPS].value == ["selfie"]  # consent is not a capture step
    assert got[c.BEHAVIOUR_RETAKES].value == 3
    assert got[c.BEHAVIOUR_RETAKES].evidence["retakes"] == {"selfie": 2, "document_front": 1}
    calm = [step("selfie", 20), step("document_front", None)]
    assert behaviour_signals(calm, RiskParams()) == []
