import json
from pathlib import Path

from tests.conftest import idmesh_cli

DATA = Path(__file__).parent / "data"


def run(*args):
    p = idmesh_cli("check", *args, "--json")
    return p.returncode, json.loads(p.stdout)


def test_cli_face_match_and_age_json():
    rc, out = run("face_match", str(DATA / "obama.jpg"), str(DATA / "obama3.jpg"))
    assert rc == 0 and out["check"] == "face_match" and out["status"] == "passed"
    rc, out = run("face_match", str(DATA / "obama.jpg"), str(DATA / "biden.jpg"))
    assert rc == 1 and out["warnings"][0]["code"] == "FACE_MISMATCH"
    rc, out = run("age_estimation", str(DATA / "biden.jpg"), "--dob", "1990-01-01")
    assert out["data"]["source"] == "both"
    rc, out = run("passive_liveness", str(DATA / "astronaut.jpg"))
    assert out["check"] == "passive_liveness" and 0 <= out["score"] <= 100
