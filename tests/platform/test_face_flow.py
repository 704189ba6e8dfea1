"""Faces on the platform: 1:N duplicates and the face blocklist through the `blocklist`
step, passive liveness as a step, standalone face checks, challenges, erasure."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import create_workflow, run_session, tenant_on, wait_decided

DATA = Path(__file__).resolve().parents[1] / "faces" / "data"


API_TIMEOUT = 120  # seconds (default 30): this module's checks are slow on a busy machine


def _tenant(api, pg):
    return tenant_on(api, pg, "Face Co")


def _session(api, key, wf, photo: str) -> dict:
    return run_session(api, key, wf, [("selfie", photo, (DATA / photo).read_bytes(), "image/jpeg")])


def _check(session: dict, name: str) -> dict:
    return next(c for c in session["checks"] if c["check"] == name)


def test_duplicates_and_face_blocklist(api, pg):
    key = _tenant(api, pg)
    wf = create_workflow(
        api,
        key,
        {
            "name": "selfie screening",
            "steps": [{"check": "passive_liveness"}, {"check": "blocklist"}],
        },
    )
    first = _session(api, key, wf, "obama.jpg")
    assert _check(first, "blocklist")["status"] == "passed", _check(first, "blocklist")
    live = _check(first, "passive_liveness")
    assert live["status"] in ("passed", "warning") and 0 <= live["score"] <= 100

    r = api.post(
        "/v1/blocklist", headers=key, json={"kind": "face", "session_id": first["session_id"]}
    )
    assert r.status_code == 201, r.text
    # The API embeds no face itself: a session whose face no step templated is refused.
    untouched = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    r = api.post(
        "/v1/blocklist", headers=key, json={"kind": "face", "session_id": untouched["session_id"]}
    )
    assert r.status_code == 409 and r.json()["type"].endswith("/face-template-missing"), r.text

    same_person = _session(api, key, wf, "obama3.jpg")
    bl = _check(same_person, "blocklist")
    codes = [w["code"] for w in bl["warnings"]]
    assert "IN_BLOCKLIST" in codes and "POSSIBLE_DUPLICATE_USER" in codes, bl
    assert same_person["status"] == "declined"
    assert "IN_BLOCKLIST" in same_person["decision"]["reason_codes"]

    other = _session(api, key, wf, "biden.jpg")
    assert _check(other, "blocklist")["status"] == "passed"

    # Erasure removes the face template; the blocklist entry (a sealed template) stays.
    assert api.delete(f"/v1/sessions/{other['session_id']}", headers=key).status_code == 204
    with pg.admin() as conn:
        n = conn.execute(
            "SELECT count(*) AS n FROM face_templates WHERE session_id = %s", (other["session_id"],)
        ).fetchone()["n"]
    assert n == 0


def _maps_mention(pid: int, library: str) -> bool:
    """Whether `pid` or any process below it has `library` mapped (Linux /proc)."""
    from pathlib import Path

    todo, seen = [pid], False
    while todo:
        p = todo.pop()
        proc = Path(f"/proc/{p}")
        if library in (proc / "maps").read_text(errors="replace"):
            seen = True
        for task in (proc / "task").iterdir():
            children = (task / "children").read_text().split()
            todo += [int(c) for c in children]
    return seen


def test_standalone_face_checks_and_challenge(api, pg, stack):
    key = _tenant(api, pg)
    same = api.post(
        "/v1/checks/face_match",
        headers=key,
        files={
            "image_a": ("a.jpg", (DATA / "obama.jpg").read_bytes(), "image/jpeg"),
            "image_b": ("b.jpg", (DATA / "obama3.jpg").read_bytes(), "image/jpeg"),
        },
    )
    assert same.status_code == 200, same.text
    assert same.json()["status"] == "passed" and same.json()["score"] >= 70
    diff = api.post(
        "/v1/checks/face_match",
        headers=key,
        files={
            "image_a": ("a.jpg", (DATA / "obama.jpg").read_bytes(), "image/jpeg"),
            "image_b": ("b.jpg", (DATA / "biden.jpg").read_bytes(), "image/jpeg"),
        },
    )
    assert diff.json()["status"] == "failed"
    assert "FACE_MISMATCH" in [w["code"] for w in diff.json()["warnings"]]
    age = api.post(
        "/v1/checks/age_estimation",
        headers=key,
        data={"date_of_birth": "1961-08-04"},
        files={"image": ("a.jpg", (DATA / "obama.jpg").read_bytes(), "image/jpeg")},
    )
    assert age.status_code == 200 and age.json()["check"] == "age_estimation"
    # Bad input: a missing file, a non-image, bad params → 4xx or an `error` result.
    assert (
        api.post(
            "/v1/checks/face_match",
            headers=key,
            files={"image_a": ("a.jpg", (DATA / "obama.jpg").read_bytes(), "image/jpeg")},
        ).status_code
        == 422
    )
    junk = api.post(
        "/v1/checks/passive_liveness",
        headers=key,
        files={"image": ("x.jpg", b"not an image at all", "image/jpeg")},
    )
    assert junk.status_code == 200 and junk.json()["status"] == "error"
    bad = api.post(
        "/v1/checks/passive_liveness",
        headers=key,
        data={"params": '{"nope": 1}'},
        files={"image": ("a.jpg", (DATA / "obama.jpg").read_bytes(), "image/jpeg")},
    )
    assert bad.status_code == 422
    # The checks ran in their own functions: the API process tree never loaded a model
    # runtime, the face function's did.
    assert not _maps_mention(stack.processes["api"].proc.pid, "onnxruntime")
    assert _maps_mention(stack.processes["face_match"].proc.pid, "onnxruntime")

    wf = create_workflow(
        api, key, {"name": "active", "steps": [{"check": "active_liveness", "required": False}]}
    )
    s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
    user = {"Authorization": f"Bearer {s['session_token']}"}
    ch = api.post(f"/v1/sessions/{s['session_id']}/liveness/challenge", headers=user)
    assert ch.status_code == 201
    body = ch.json()
    assert len(body["nonce"]) >= 16 and 1 <= len(body["steps"]) <= 5
    # Submitting without frames (the step is optional, so submit takes it): the step says
    # it cannot run (error), never passed.
    api.post(f"/v1/sessions/{s['session_id']}/submit", headers=user).raise_for_status()
    got = wait_decided(api, key, s["session_id"], 60)
    step = _check(got, "active_liveness")
    assert step["status"] == "error" and step["warnings"][0]["code"] == "LIVENESS_NO_FRAMES"
    assert got["status"] == "in_review"
