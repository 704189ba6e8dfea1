"""The hosted pages over real HTTP (no browser): the link, headers, CSRF, state, tokens,
branding through the API, handoff tokens, erasure."""

from __future__ import annotations

import base64
import io
import re
import uuid

import httpx
import pytest
from PIL import Image

from tests.hosted.test_browser_flow import _session, _workflow


@pytest.fixture()
def web(stack):
    with httpx.Client(base_url=stack.hosted_url, timeout=60, follow_redirects=True) as c:
        yield c


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_link_headers_csrf_and_states(api, tenant, web, stack, pg):
    wf = _workflow(api, tenant, [{"check": "email"}])
    s = _session(api, tenant, wf, language="de")
    path = _path(s["verification_url"])
    page = web.get(path)
    assert page.status_code == 200 and 'lang="de"' in page.text and "Identität" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "<script>" not in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    # Accept-Language only counts when the session has no language.
    assert 'lang="de"' in web.get(path, headers={"Accept-Language": "fr"}).text
    token = _csrf(page.text)
    origin = {"Origin": stack.hosted_url}
    # a post without the token, with a wrong one, or from another origin is refused
    assert web.post(path + "/consent", data={"agree": "yes"}, headers=origin).status_code == 403
    bad = {"agree": "yes", "csrf_token": "0" * 64}
    assert web.post(path + "/consent", data=bad, headers=origin).status_code == 403
    good = {"agree": "yes", "csrf_token": token}
    evil = {"Origin": "https://evil.example"}
    assert web.post(path + "/consent", data=good, headers=evil).status_code == 403
    r = web.post(path + "/consent", data={"csrf_token": token}, headers=origin)
    assert r.status_code == 422 and 'role="alert"' in r.text  # consent box not ticked
    r = web.post(path + "/consent", data=good, headers=origin, follow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/step/email")
    # unknown and malformed tokens
    assert web.get("/v/vl_" + "x" * 43).status_code == 404
    assert web.get("/v/../../etc/passwd").status_code == 404
    # the session token is not a link token
    assert web.get("/v/" + s["session_token"]).status_code == 404
    # once the session is submitted, inputs are refused and the page follows the checks
    user = {"Authorization": f"Bearer {s['session_token']}"}
    assert api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user).status_code == 202
    assert 'data-page="checking"' in web.get(path).text
    r = web.post(
        path + "/otp/email",
        data={"target": "a@b.example", "csrf_token": token},
        headers=origin,
        follow_redirects=False,
    )
    assert r.status_code == 303 and not r.headers["Location"].endswith("sent=1")
    status = web.get(path + "/status").json()
    assert status["status"] in ("in_progress", "in_review", "declined") and "final" in status
    # erasure: the link is gone with the session
    assert api.delete(f"/v1/sessions/{s['session_id']}", headers=tenant).status_code == 204
    assert web.get(path).status_code in (404, 410)
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT count(*) AS n FROM hosted_links WHERE session_id = %s", (s["session_id"],)
        ).fetchone()["n"]
    assert n == 0


def test_handoff_tokens_are_single_use_and_recorded(api, tenant, web, stack, pg):
    wf = _workflow(api, tenant, [{"check": "email"}])
    s = _session(api, tenant, wf)
    path = _path(s["verification_url"])
    token = _csrf(web.get(path).text)
    r = web.post(
        path + "/handoff", data={"csrf_token": token}, headers={"Origin": stack.hosted_url}
    )
    assert r.status_code == 200 and "<svg" in r.text and "<title>" in r.text
    copy_url = re.search(r'id="copy-url" value="([^"]+)"', r.text).group(1)
    qr_count = len(re.findall(r"/h/vh_", r.text))
    assert qr_count == 1  # the QR's own URL is only inside the image
    first = web.get(_path(copy_url), follow_redirects=False)
    assert first.status_code == 303 and "/v/vl_" in first.headers["Location"]
    device_path = first.headers["Location"]
    assert device_path != path and web.get(device_path).status_code == 200
    assert web.get(_path(copy_url)).status_code == 410  # used once
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT handoff_method FROM sessions WHERE id = %s", (s["session_id"],)
        ).fetchone()
    assert row["handoff_method"] == "link"
    # the desktop link keeps working to follow progress
    assert web.get(path + "/status").json()["status"] == "not_started"
    # a link token cannot be used as a handoff token
    assert web.get("/h/" + path.rsplit("/", 1)[-1]).status_code == 404


def test_branding_through_the_api_and_on_the_page(api, tenant, web, stack):
    buf = io.BytesIO()
    Image.new("RGB", (160, 48), (11, 95, 255)).save(buf, "PNG")
    logo = base64.b64encode(buf.getvalue()).decode()
    body = {
        "display_name": "Acme Bank",
        "logo": logo,
        "primary_color": "#0B5FFF",
        "privacy_url": "https://acme.example/privacy",
        "retention_days": 90,
        "allowed_origins": ["https://shop.acme.example"],
        "allow_file_upload": False,
    }
    r = api.put("/v1/tenant/branding", headers=tenant, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "Acme Bank" and r.json()["logo_type"] == "image/png"
    bad = api.put("/v1/tenant/branding", headers=tenant, json={"primary_color": "#FFFF00"})
    assert bad.status_code == 422 and "contrast" in bad.text
    bad = api.put("/v1/tenant/branding", headers=tenant, json={"logo": "PHN2Zz48L3N2Zz4="})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/logo"
    wf = _workflow(api, tenant, [{"check": "passive_liveness"}])
    s = _session(api, tenant, wf)
    path = _path(s["verification_url"])
    page = web.get(path, headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "Acme Bank" in page.text and "90 días" in page.text and 'lang="es"' in page.text
    assert "https://acme.example/privacy" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.acme.example" in csp
    assert "X-Frame-Options" not in page.headers
    assert web.get(path + "/logo").content == buf.getvalue()
    assert "--brand:#0B5FFF" in web.get(path + "/theme.css").text
    # uploads forbidden by the tenant: no upload form, and a posted file is refused
    token = _csrf(page.text)
    origin = {"Origin": stack.hosted_url}
    web.post(path + "/consent", data={"agree": "yes", "csrf_token": token}, headers=origin)
    selfie = web.get(path + "/step/selfie").text
    assert 'type="file"' not in selfie and "camera" in selfie.lower()
    r = web.post(
        path + "/capture/selfie",
        data={"csrf_token": token, "source": "upload"},
        files={"file": ("a.png", buf.getvalue(), "image/png")},
        headers={**origin, "Accept": "application/json"},
    )
    assert r.status_code == 422 and r.json()["reason"] == "UPLOAD_FORBIDDEN"


def test_requests_are_limited_per_session(api, tenant, web):
    wf = _workflow(api, tenant, [{"check": "email"}])
    path = _path(_session(api, tenant, wf)["verification_url"])
    other = _path(_session(api, tenant, wf)["verification_url"])
    codes: list[int] = []
    while len(codes) < 250 and 429 not in codes:  # 120 a minute (a new minute may start)
        codes.append(web.get(path + "/status").status_code)
    assert codes[0] == 200 and codes[-1] == 429 and len(codes) > 120, codes[-5:]
    r = web.get(path + "/status")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert web.get(other + "/status").status_code == 200  # another session is not affected


def test_frames_of_one_upload_keep_their_order(api, tenant, pg):
    """Liveness frames are one multi-file upload: the engine reads them back in upload order
    (before the fix they shared the transaction's timestamp and came back shuffled)."""
    import hashlib

    wf = _workflow(api, tenant, [{"check": "active_liveness"}])
    s = _session(api, tenant, wf)
    frames = []
    for i in range(24):
        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (i * 10, 255 - i * 10, 7)).save(buf, "PNG")
        frames.append(buf.getvalue())
    r = api.post(
        f"/v1/sessions/{s['session_id']}/artifacts",
        headers={"Authorization": f"Bearer {s['session_token']}"},
        data={"kind": "liveness_frames"},
        files=[("file", (f"f{i}.png", f, "image/png")) for i, f in enumerate(frames)],
    )
    assert r.status_code == 201, r.text
    with pg.admin() as conn:
        rows = conn.execute(
            "SELECT sha256 FROM artifacts WHERE session_id = %s ORDER BY created_at, id",
            (s["session_id"],),
        ).fetchall()
    assert [x["sha256"] for x in rows] == [hashlib.sha256(f).hexdigest() for f in frames]


def test_the_end_users_address_reaches_the_risk_signals(api, tenant, web, stack, pg):
    """The hosted pages call the API as the end user: the address they were reached from
    (through a trusted proxy: the tests stand in for one on loopback) is what the API
    records for the session's network signals, not the hosted function's own."""
    wf = _workflow(api, tenant, [{"check": "email"}])
    s = _session(api, tenant, wf)
    path = _path(s["verification_url"])
    user = {"X-Forwarded-For": "203.0.113.7"}
    page = web.get(path, headers=user)
    token = _csrf(page.text)
    origin = {"Origin": stack.hosted_url, **user}
    web.post(path + "/consent", data={"agree": "yes", "csrf_token": token}, headers=origin)
    r = web.post(
        path + "/otp/email",
        data={"csrf_token": token, "target": "someone@example.org"},
        headers=origin,
    )
    assert r.status_code == 200, r.text
    with pg.admin() as conn:
        prefixes = {
            row["ip_prefix"]
            for row in conn.execute(
                "SELECT ip_prefix FROM session_network WHERE session_id = %s",
                (s["session_id"],),
            ).fetchall()
        }
    assert "203.0.113.0/24" in prefixes, prefixes
    assert not any(p.startswith("127.") for p in prefixes), prefixes


def test_status_events_stream_from_postgres_until_the_decision(api, tenant, web, stack, pg):
    """`/v/<token>/events`: Server-Sent Events with the state read from Postgres; the stream
    sends the current state, then each change, and ends at the decision."""
    import json
    import threading

    wf = _workflow(api, tenant, [{"check": "email"}])
    s = _session(api, tenant, wf)
    path = _path(s["verification_url"])
    events: list[tuple[str, dict]] = []
    first = threading.Event()
    with web.stream("GET", path + "/events", timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Cache-Control"] == "no-store"

        def decide() -> None:
            first.wait(10)
            with pg.admin() as conn:  # the tenant's decision, as the console would record it
                conn.execute(
                    "UPDATE sessions SET status = 'in_review' WHERE id = %s", (s["session_id"],)
                )

        threading.Thread(target=decide, daemon=True).start()
        block: dict[str, str] = {}
        for line in r.iter_lines():
            if line:
                name, _, value = line.partition(": ")
                block[name] = value
                continue
            if "data" in block:
                events.append((block["id"], json.loads(block["data"])))
                first.set()
            block = {}
    assert events[0] == ("not_started.0", {**events[0][1], "status": "not_started"})
    assert events[-1][0] == "in_review.0" and events[-1][1]["final"] is True
    assert len(events) == 2
    # a client reconnecting with the state it has is not sent it again; the stream ends
    again = web.get(path + "/events", headers={"Last-Event-ID": "in_review.0"})
    assert again.status_code == 200 and "data:" not in again.text


def test_the_frame_guide_takes_the_chosen_documents_shape(api, tenant, web, stack):
    wf = _workflow(api, tenant, [{"check": "id_document"}])
    origin = {"Origin": stack.hosted_url}
    shapes = {}
    for dtype in ("id_card", "passport", "driving_licence"):
        path = _path(_session(api, tenant, wf)["verification_url"])
        token = _csrf(web.get(path).text)
        web.post(path + "/consent", data={"agree": "yes", "csrf_token": token}, headers=origin)
        r = web.post(
            path + "/document",
            data={"type": dtype, "country": "FRA", "csrf_token": token},
            headers=origin,
        )
        assert r.url.path.endswith("/step/document_front"), r.url
        shapes[dtype] = re.search(r'class="guide card (td\d)"', r.text).group(1)
    assert shapes == {"id_card": "td1", "passport": "td3", "driving_licence": "td1"}


def test_cors_answers_only_the_origins_the_tenant_allows(api, tenant, pg):
    """Preflights are answered for origins some tenant allows (no credentials yet); actual
    answers echo the origin only when the authenticated tenant allows it, errors included."""
    from tests.conftest import tenant_on

    shop = f"https://shop-{uuid.uuid4().hex[:8]}.example"
    r = api.put("/v1/tenant/branding", headers=tenant, json={"allowed_origins": [shop]})
    assert r.status_code == 200, r.text
    ask = {
        "Origin": shop,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    pre = api.options("/v1/sessions", headers=ask)
    assert pre.status_code == 204, pre.text
    assert pre.headers["Access-Control-Allow-Origin"] == shop
    assert pre.headers["Access-Control-Allow-Methods"] == "POST"
    assert "authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert int(pre.headers["Access-Control-Max-Age"]) > 0 and "Origin" in pre.headers["Vary"]
    # another origin, an unlisted header, a path that does not exist
    evil = api.options("/v1/sessions", headers={**ask, "Origin": "https://evil.example"})
    assert evil.status_code == 204 and "Access-Control-Allow-Origin" not in evil.headers
    odd = api.options("/v1/sessions", headers={**ask, "Access-Control-Request-Headers": "x-no"})
    assert "Access-Control-Allow-Origin" not in odd.headers
    assert api.options("/v1/nowhere", headers=ask).status_code == 404
    # actual requests: the tenant's own origin is echoed (an error too), never another's
    got = api.get("/v1/sessions", headers={**tenant, "Origin": shop})
    assert got.status_code == 200 and got.headers["Access-Control-Allow-Origin"] == shop
    assert "RateLimit-Remaining" in got.headers["Access-Control-Expose-Headers"]
    missing = api.get(f"/v1/sessions/{uuid.uuid4()}", headers={**tenant, "Origin": shop})
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == shop
    other = api.get("/v1/sessions", headers={**tenant, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]
    plain = api.get("/v1/sessions", headers=tenant)
    assert "Access-Control-Allow-Origin" not in plain.headers
    # a tenant that does not allow the origin: the preflight passed, the answer is not shared
    second = tenant_on(api, pg, "Second Co")
    theirs = api.get("/v1/sessions", headers={**second, "Origin": shop})
    assert theirs.status_code == 200 and "Access-Control-Allow-Origin" not in theirs.headers
    # the end user's session token from the tenant's page (its own capture UI)
    wf = _workflow(api, tenant, [{"check": "email"}])
    s = _session(api, tenant, wf)
    user = {"Authorization": f"Bearer {s['session_token']}", "Origin": shop}
    mine = api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user)
    assert mine.status_code in (202, 422), mine.text
    assert mine.headers.get("Access-Control-Allow-Origin") == shop


def test_callback_url_is_a_deprecated_alias_of_redirect_url(api, tenant, pg):
    wf = _workflow(api, tenant, [{"check": "email"}])
    r = api.post(
        "/v1/sessions",
        headers=tenant,
        json={"workflow_id": wf, "callback_url": "https://shop.example/back"},
    )
    assert r.status_code == 201, r.text
    assert r.headers["Deprecation"].startswith("@") and "2027" in r.headers["Sunset"]
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT redirect_url, callback_url FROM sessions WHERE id = %s",
            (r.json()["session_id"],),
        ).fetchone()
    assert row["redirect_url"] == row["callback_url"] == "https://shop.example/back"
    # redirect_url wins; no deprecation headers without callback_url
    r2 = _session(api, tenant, wf, redirect_url="https://shop.example/r")
    with pg.admin() as conn:
        row = conn.execute(
            "SELECT redirect_url FROM sessions WHERE id = %s", (r2["session_id"],)
        ).fetchone()
    assert row["redirect_url"] == "https://shop.example/r"
    plain = api.post("/v1/sessions", headers=tenant, json={"workflow_id": wf})
    assert "Deprecation" not in plain.headers
    doc = api.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["SessionCreate"]["properties"]["callback_url"]["deprecated"] is True
