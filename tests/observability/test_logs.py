"""Structured logs: JSON lines, allow-listed fields, scrubbed text, third-party loggers."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared.observability.logs import (
    JsonFormatter,
    configure_logging,
    log_context,
    scrub,
)


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        (
            "POST https://user:pa55@hooks.example.com/in?token=s3cr3t#frag",
            ["pa55", "s3cr3t", "frag"],
        ),
        ("key idm_AbCdEf0123456789xyz used", ["idm_AbCdEf0123456789xyz"]),
        ("token ist_Zz9-8yy7XX66ww55", ["ist_Zz9-8yy7XX66ww55"]),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw== rotated", ["MfKQ9r8GKY"]),
        ("code 493021 sent to jane.doe+kyc@example.org", ["493021", "jane.doe"]),
        ("phone +44 7700 900123 and +1 (415) 555-2671", ["7700 900123", "555-2671"]),
    ],
)
def test_scrub_masks_what_must_not_be_logged(text, leaked):
    out = scrub(text)
    for secret in leaked:
        assert secret not in out, out


def test_scrub_keeps_ids_hosts_and_numbers_that_are_not_personal():
    text = (
        "session 3f2a1b4c-1234-5678-9abc-def012345678 on http://127.0.0.1:38211/v1/x "
        "took 0.123456 s, status 202, attempt 3"
    )
    assert scrub(text) == text


def _capture(fn_name: str = "email") -> io.StringIO:
    configure_logging(fn_name, "INFO", "json")
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)
    return stream


def test_lines_are_json_with_bound_ids_and_only_allow_listed_fields():
    stream = _capture()
    log = logging.getLogger("idmesh.test")
    with log_context(tenant_id="t-1", session_id="s-1", event_id="e-1", email="x@y.z"):
        log.info(
            "sent code %s to %s", "123456", "x@y.example", extra={"check": "email", "body": "B"}
        )
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["function"] == "email"
    assert line["level"] == "info"
    assert (line["tenant_id"], line["session_id"], line["event_id"]) == ("t-1", "s-1", "e-1")
    assert line["check"] == "email"
    assert "body" not in line and "email" not in line  # not in the allow-list
    assert "123456" not in line["message"] and "x@y.example" not in line["message"]


def test_exceptions_keep_their_class_and_a_scrubbed_traceback():
    stream = _capture()
    try:
        raise ValueError("bad number +14155552671")
    except ValueError:
        logging.getLogger("idmesh.test").exception("failed")
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["error"] == "ValueError"
    assert "4155552671" not in line["traceback"]


def test_third_party_loggers_go_through_the_same_filter():
    stream = _capture("webhooks")
    # httpx logs every request at INFO with the full URL (credentials and query included).
    logging.getLogger("httpx").handlers.append(logging.StreamHandler(io.StringIO()))
    configure_logging("webhooks", "INFO", "json")
    logging.getLogger().handlers[0].setStream(stream)
    logging.getLogger("httpx").info(
        'HTTP Request: POST https://bob:hunter2@hooks.example.com/x?sig=abc "HTTP/1.1 200 OK"'
    )
    out = stream.getvalue()
    assert "hunter2" not in out and "sig=abc" not in out
    assert json.loads(out.strip().splitlines()[-1])["logger"] == "httpx"
    assert logging.getLogger("httpx").handlers == []


def test_formatter_adds_trace_ids_inside_a_span():
    from shared.observability.tracing import span

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with span("test span"):
        line = json.loads(JsonFormatter().format(record))
    # With no tracer provider installed the API gives non-recording spans with no ids; with
    # one (the functions install it) the ids are present. Either way the line stays valid.
    assert line["message"] == "hello"
