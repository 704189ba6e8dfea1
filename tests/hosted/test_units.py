"""The hosted flow's pure parts: catalogues, language choice, steps, branding rules, CSRF,
QR codes, capture checks on real generated pixels."""

from __future__ import annotations

import base64
import io
import json
import re
import string

import cv2
import numpy as np
import pytest
from PIL import Image

from shared.hosted import csrf
from shared.hosted.branding import BrandingError, BrandingIn, contrast_ratio, decode_logo
from shared.hosted.capture import check_document, check_face
from shared.hosted.i18n import LANGUAGES, LOCALES_DIR, Translator, catalogue, negotiate
from shared.hosted.qr import qr_code, qr_svg
from shared.hosted.steps import plan
from tests.hosted import camera


def test_every_language_has_every_string_with_the_same_placeholders():
    en = catalogue("en")
    for lang in LANGUAGES:
        cat = catalogue(lang)
        assert set(cat) == set(en), (lang, set(en) ^ set(cat))
        for key, text in en.items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            got = {f for _, f, _, _ in string.Formatter().parse(cat[key]) if f}
            assert fields == got, (lang, key)
            assert cat[key].strip(), (lang, key)
        if lang != "en":  # translated, not copied
            same = [k for k in en if en[k] == cat[k] and not k.startswith("lang_")]
            assert len(same) < 3, (lang, same)


def test_templates_use_only_catalogued_keys():
    en = catalogue("en")
    used: set[str] = set()
    for tpl in (LOCALES_DIR.parent / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(["']([a-z_]+)["']""", tpl.read_text()))
    prefixes = {u for u in used if u.endswith("_")}  # t("collect_" ~ step): some key each
    assert all(any(k.startswith(p) for k in en) for p in prefixes)
    assert used - prefixes and used - prefixes <= set(en), used - prefixes - set(en)


def test_language_choice():
    assert negotiate(None, None, "fr-CA,fr;q=0.9,en;q=0.5") == "fr"
    assert negotiate(None, None, "ja, de;q=0.4, es;q=0.8") == "es"
    assert negotiate(None, "pt", "de") == "pt"
    assert negotiate("ar", "pt", "de") == "ar"
    assert negotiate("xx", None, "zz, q=bad") == "en"
    t = Translator("ar")
    assert t.dir == "rtl" and Translator("de").dir == "ltr"
    assert t("step_of", n=1, total=3) == "الخطوة 1 من 3"
    assert Translator("fr").country_name("DE") == "Allemagne"


def test_steps_follow_the_workflow():
    wf = {
        "steps": [
            {"check": "phone"},
            {"check": "id_document"},
            {"check": "face_match"},
            {"check": "active_liveness"},
            {"check": "email"},
            {"check": "proof_of_address"},
        ]
    }
    assert plan(wf) == [
        "consent",
        "document",
        "document_front",
        "document_back",
        "selfie",
        "liveness",
        "email",
        "phone",
        "address",
    ]
    assert "document_back" not in plan(wf, "passport")
    assert plan({"steps": [{"check": "aml"}]}) == ["consent"]


def _png(w: int, h: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (20, 60, 140)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_branding_contrast_and_logo_rules():
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    ok = BrandingIn(primary_color="#0B5FFF", text_color="#111111", logo=_png(200, 60))
    assert decode_logo(ok.logo)[1] == "image/png"
    with pytest.raises(ValueError, match="contrast"):
        BrandingIn(text_color="#AAAAAA", background_color="#FFFFFF")
    with pytest.raises(ValueError, match="primary_color"):
        BrandingIn(primary_color="#FAFAFA")
    with pytest.raises(ValueError, match="origin"):
        BrandingIn(allowed_origins=["http://evil.example"])
    with pytest.raises(BrandingError, match="px"):
        decode_logo(_png(2000, 40))
    with pytest.raises(BrandingError, match="PNG, JPEG or WebP"):
        decode_logo(base64.b64encode(b"<svg onload='alert(1)'></svg>").decode())
    with pytest.raises(BrandingError, match="bytes"):
        decode_logo(base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(200_000)).decode())


def test_csrf_tokens():
    key = bytes(32)
    tok = csrf.csrf_token(key, "link-1")
    assert csrf.csrf_valid(key, "link-1", tok)
    assert not csrf.csrf_valid(key, "link-2", tok)
    assert not csrf.csrf_valid(key, "link-1", None)
    assert not csrf.csrf_valid(bytes([1]) * 32, "link-1", tok)
    assert csrf.same_origin("https://id.example", None, "https://id.example")
    assert not csrf.same_origin("https://evil.example", None, "https://id.example")
    assert not csrf.same_origin("null", None, "https://id.example")
    assert not csrf.same_origin(None, None, "https://id.example")


def test_qr_code_decodes_to_the_link():
    import zxingcpp

    url = "https://id.example/h/vh_" + "A" * 43
    svg = qr_svg(url, "QR")
    assert "<script" not in svg and "<title>QR</title>" in svg
    buf = io.BytesIO()
    qr_code(url).save(buf, kind="png", scale=5, border=4)  # the code the SVG draws
    img = np.array(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    assert zxingcpp.read_barcodes(img)[0].text == url


def _jpeg(img: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def test_capture_checks_on_generated_pixels():
    doc = camera.document_frames(n=1)[0][0]
    assert check_document(_jpeg(doc)).ok
    blurred = cv2.GaussianBlur(doc, (0, 0), 6)
    v = check_document(_jpeg(blurred))
    assert not v.ok and v.reason == "IMAGE_BLURRY"
    dark = (doc * 0.2).astype(np.uint8)
    assert "IMAGE_TOO_DARK" in check_document(_jpeg(dark)).codes
    assert check_face(_jpeg(camera.face_image())).ok
    v = check_face(_jpeg(np.full((480, 640, 3), 120, np.uint8)))
    assert not v.ok and v.reason == "NO_FACE_DETECTED"
    assert check_document(b"not an image").reason in ("INVALID_IMAGE", "UNREADABLE")


def test_catalogue_files_are_valid_json():
    for lang in LANGUAGES:
        json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def _parse_sse(raw: bytes) -> list[dict]:
    """Events as a browser's EventSource reads them (comments and retry kept apart)."""
    out = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        ev: dict = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            ev[name] = value
        out.append(ev)
    return out


def test_the_status_stream_sends_changes_only_and_ends_at_the_decision():
    from shared.hosted.events import Snapshot, status_stream

    states = iter(
        [("not_started", 1), ("not_started", 1), ("in_progress", 3), ("in_progress", 3)]
        + [("approved", 3)]
    )

    def read():
        status, done = next(states)
        return Snapshot(status, status == "approved", done, 3, f"{done}/3")

    sleeps: list[float] = []
    raw = b"".join(status_stream(read, sleep=sleeps.append))
    events = _parse_sse(raw)
    assert events[0] == {"retry": "2000"}
    sent = [(e["id"], e["event"], json.loads(e["data"])) for e in events[1:]]
    assert [s[0] for s in sent] == ["not_started.1", "in_progress.3", "approved.3"]
    assert all(s[1] == "status" for s in sent)
    assert sent[-1][2] == {
        "status": "approved",
        "final": True,
        "done": 3,
        "total": 3,
        "message": "3/3",
    }
    assert len(sleeps) == 4  # one tick between reads, none after the final state


def test_the_status_stream_resumes_after_last_event_id_and_is_bounded():
    from shared.hosted.events import Snapshot, status_stream

    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    def same():
        return Snapshot("in_progress", False, 2, 3, "2/3")

    # reconnecting with the state it already has: only keep-alives, then the end of life
    raw = b"".join(
        status_stream(
            same,
            last_event_id="in_progress.2",
            lifetime=30,
            tick=1,
            keepalive=10,
            clock=lambda: now[0],
            sleep=sleep,
        )
    )
    assert b"data:" not in raw and raw.count(b": keep-alive") == 2 and now[0] == 30
    # a closed session: one `closed` event and the end
    events = _parse_sse(b"".join(status_stream(lambda: None, sleep=sleep)))
    assert events[1]["event"] == "closed" and json.loads(events[1]["data"])["final"] is True
