import random
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from shared.faces.check import run_active_liveness, run_passive_liveness
from shared.faces.detect import detect_faces
from shared.faces.liveness_active import issue_challenge
from shared.faces.liveness_fusion import CALIBRATION, CUES, PAIRS, design, fit, fuse, signs
from shared.faces.liveness_passive import (
    _face_norm,
    black_lift,
    dark_chroma,
    edge_blur,
    lab_chroma,
    peak_whitened,
    spectral_slope,
    texture_floor,
    veil_level,
)
from shared.faces.phash import hamming
from tests.faces import attacks2 as a2
from tests.faces import generator as g


def test_real_photos_pass_passive_liveness(photo):
    for name in ("obama", "obama2", "astronaut"):
        r = run_passive_liveness(photo(name))
        assert r.status in ("passed", "warning"), (name, r.data["cues"])
        assert r.score >= 50


@pytest.mark.parametrize("seed", [11, 12])
def test_screen_replay_is_flagged_with_a_screen_cue(img, seed):
    r = run_passive_liveness(g.jpeg(g.screen_replay(img("obama"), seed, with_bezel=True)))
    assert r.status == "failed"
    assert r.warning_codes()[0] == "LIVENESS_ATTACK_SUSPECTED"
    assert r.data["attack_type"] in ("screen_replay", "print_or_screen")


def test_passive_liveness_reports_its_cues_and_skipped_model(photo):
    r = run_passive_liveness(photo("obama"))
    assert set(r.data["cues"]) == set(CUES) | set(PAIRS)
    assert {"peak", "black", "dynamic_range", "decorrelation", "veil", "edge_blur"} <= set(
        r.data["cue_measurements"]
    )
    assert {src for src, _hint in CUES.values()} <= set(r.data["cue_measurements"])
    assert r.data["rules_not_evaluated"] == ["anti_spoofing_model"]
    # the cue shares are what the score is made of
    fused = fuse({k: float(v) for k, v in r.data["cue_measurements"].items()})
    assert sum(fused.contributions.values()) == pytest.approx(fused.z - CALIBRATION.bias, abs=0.05)
    assert abs(fused.score - r.score) < 1.0


def test_most_screen_replays_of_the_second_generator_are_flagged(img):
    seen = flagged = 0
    for name in ("obama", "biden", "astronaut"):
        for seed in (1, 3, 4):
            r = run_passive_liveness(g.jpeg(a2.screen_attack(img(name), seed)))
            if "NO_FACE_DETECTED" in r.warning_codes():
                continue
            seen += 1
            flagged += "LIVENESS_ATTACK_SUSPECTED" in r.warning_codes()
    assert seen >= 6 and flagged / seen >= 0.6, (flagged, seen)


def test_fit_separates_what_is_separable():
    rng = np.random.default_rng(0)
    x0 = rng.normal(0, 1, (200, len(CUES)))
    x1 = rng.normal(0, 1, (200, len(CUES)))
    x1[:, 5] += 4.0  # one informative cue
    cal = fit(np.vstack([x0, x1]), np.r_[np.zeros(200), np.ones(200)])
    assert np.argmax(np.abs(cal.weights)) == 5 and cal.weights[5] > 0
    fused = [fuse(dict(zip([k for k, _ in CUES.values()], v, strict=True)), cal) for v in x1]
    assert np.mean([f.score < 50 for f in fused]) > 0.9


def _face(image):
    return detect_faces(image)[0]


def test_veil_and_black_lift_rise_when_the_blacks_are_lifted(img):
    # a print or a screen cannot show black: the same photo with its range mapped to 35..235
    for name in ("obama", "biden", "astronaut"):
        live = img(name)
        face = _face(live)
        lifted = np.clip(live.astype(np.float32) * (200 / 255) + 35, 0, 255).astype(np.uint8)
        assert veil_level(lifted, face) > veil_level(live, face) + 0.05, name
        assert black_lift(lifted, face) > black_lift(live, face) + 0.2, name
        # an exposure change alone (gain) leaves the black-to-white ratio nearly unchanged
        darker = (live.astype(np.float32) * 0.8).astype(np.uint8)
        assert abs(black_lift(darker, face) - black_lift(live, face)) < 0.1, name


def test_edge_blur_reads_a_second_blur_in_pixels(img):
    for name in ("obama", "biden", "astronaut"):
        live = img(name)
        face = _face(live)
        sharp = edge_blur(live, face)
        soft = edge_blur(cv2.GaussianBlur(live, (0, 0), 1.5), face)
        assert soft > sharp + 0.4, (name, sharp, soft)
        # a sigma-1.5 blur on an edge of sigma s gives sqrt(s^2 + 1.5^2): bounded both ways
        assert soft < np.hypot(sharp, 1.5) + 0.5, (name, sharp, soft)


def test_a_pair_cue_needs_both_of_its_cues():
    names = list(CUES)
    mean, std = np.zeros(len(names)), np.ones(len(names))
    (a, b), _hint = PAIRS["veil_and_blur"]
    x = np.zeros((3, len(names)))
    x[0, names.index(a)] = 3.0  # veil only
    x[1, names.index(b)] = 3.0  # blur only
    x[2, names.index(a)] = x[2, names.index(b)] = 3.0  # both
    pair = design(x, mean, std)[:, len(names) + list(PAIRS).index("veil_and_blur")]
    assert list(pair) == [0.0, 0.0, 3.0]


class Ctx:
    def __init__(self, seen=False):
        self.used = set()
        self.seen = seen
        self.hashes = []

    def consume_challenge(self, nonce):
        if nonce in self.used:
            return False
        self.used.add(nonce)
        return True

    def frames_seen_elsewhere(self, frame_hashes):
        self.hashes.append(frame_hashes)
        return self.seen


@pytest.fixture(scope="module")
def challenge_and_frames():
    base = g.load("obama")
    lm = detect_faces(base)[0].landmarks
    ch = issue_challenge("sess-1", random.Random(1))
    ch = ch.model_copy(update={"steps": ["turn_left", "come_closer", "turn_right"]})
    return ch, g.challenge_frames(base, lm, ch.steps, 24, seed=3)


def test_challenge_is_random_bound_and_expires():
    a = issue_challenge("s", random.Random(1))
    b = issue_challenge("s", random.Random(2))
    assert a.nonce != b.nonce and len(a.nonce) >= 16
    assert len(set(a.steps)) == len(a.steps) == 3
    assert a.expires_at > a.issued_at


def test_active_liveness_passes_when_moves_are_done_in_order(challenge_and_frames, photo):
    ch, frames = challenge_and_frames
    ctx = Ctx()
    r = run_active_liveness(ch, frames, ctx=ctx, selfie=photo("obama2"), session_id="sess-1")
    assert r.status == "passed", (r.warnings, r.data.get("trace"))
    assert [c["step"] for c in r.data["completed"]] == ch.steps
    assert r.data["selfie_similarity"] >= 50
    assert len(ctx.hashes[0]) == len(frames)
    # the same challenge answered twice is refused
    again = run_active_liveness(ch, frames, ctx=ctx)
    assert again.status == "failed" and again.warning_codes() == ["CHALLENGE_REUSED"]


def test_active_liveness_fails_on_wrong_order(challenge_and_frames):
    ch, frames = challenge_and_frames
    swapped = ch.model_copy(update={"steps": ["turn_right", "come_closer", "turn_left"]})
    r = run_active_liveness(swapped, frames)
    assert r.status == "failed"
    assert "CHALLENGE_NOT_COMPLETED" in r.warning_codes()


def test_active_liveness_refuses_reused_frames_expired_and_other_session(challenge_and_frames):
    ch, frames = challenge_and_frames
    assert run_active_liveness(ch, frames, ctx=Ctx(seen=True)).warning_codes() == ["FRAMES_REUSED"]
    late = datetime.now(UTC) + timedelta(hours=1)
    assert run_active_liveness(ch, frames, now=late).warning_codes() == ["CHALLENGE_EXPIRED"]
    other = run_active_liveness(ch, frames, session_id="another")
    assert other.status == "error" and other.warning_codes() == ["CHALLENGE_INVALID"]


def test_still_photo_and_face_swap_fail(challenge_and_frames, photo):
    ch, frames = challenge_and_frames
    still = [photo("obama")] * 10
    assert run_active_liveness(ch, still).warning_codes() == ["FRAMES_STATIC"]
    swapped = frames[:12] + [photo("biden")] * 3 + frames[12:]
    r = run_active_liveness(ch, swapped)
    assert "FACE_CHANGED_DURING_CHALLENGE" in r.warning_codes()
    assert r.status == "failed"


def test_reencoded_frames_keep_their_hashes(challenge_and_frames):
    ch, frames = challenge_and_frames
    r1 = run_active_liveness(ch, frames)
    re = [g.jpeg(cv2.imdecode(np.frombuffer(f, np.uint8), 1), 60) for f in frames]
    r2 = run_active_liveness(ch, re)
    d = [
        hamming(a, b) for a, b in zip(r1.data["frame_hashes"], r2.data["frame_hashes"], strict=True)
    ]
    assert max(d) <= 8


# Print and photo-of-photo attacks of both generators, passive liveness only (no model):
# counts measured on these exact samples (3 photos x seeds 1, 3, 4; the generators and the
# check are deterministic). The floors are the measured counts: a change that catches fewer
# fails here, and so does one that lets more pass with no warning at all. Measured
# 2026-12-06 with the 21 cues and the sign-kept fit (2026-12-05, 15 cues, in brackets;
# before the veil / edge-blur cues in braces): generator print 9/9 flagged (9/9) {8/9},
# photo of a photo 9/9 (9/9) {6/9}; attacks2 print 7/9, 1 passes outright (6/9, 1) {5/9, 3},
# attacks2 photo of a photo 8/9, none passes outright (4/9, 0) {0/9, 1}: attacks2 is never
# used in calibration, so these are held-out figures.
_PRESENTATION_ATTACKS = {
    # generator: (its function, flagged at least, passed outright at most)
    "generator.print_attack": (g.print_attack, 9, 0),
    "generator.photo_of_photo": (g.photo_of_photo, 9, 0),
    "attacks2.print_attack": (a2.print_attack, 7, 1),
    "attacks2.photo_of_photo": (a2.photo_of_photo, 8, 0),
}


def test_a_held_out_photo_of_a_photo_is_caught_by_veil_and_blur(img, photo):
    # attacks2 (never calibrated on): a continuous-tone print, no dots, re-photographed
    r = run_passive_liveness(g.jpeg(a2.photo_of_photo(img("obama"), 3)))
    assert "LIVENESS_ATTACK_SUSPECTED" in r.warning_codes()
    assert r.data["attack_type"] == "photo_of_photo"
    cues = r.data["cues"]
    assert max(cues, key=cues.get) == "veil_and_blur", cues
    # the same face as taken: the pair stays quiet and the photo is not flagged (it scores
    # 69, in the review band, from other cues than the pair: colour_scatter, background)
    live = run_passive_liveness(photo("obama"))
    assert "LIVENESS_ATTACK_SUSPECTED" not in live.warning_codes()
    assert live.score >= 50 and live.data["cues"]["veil_and_blur"] <= 0.3, live.data["cues"]


@pytest.mark.parametrize("generator", sorted(_PRESENTATION_ATTACKS))
def test_print_and_photo_of_photo_attacks_are_caught(img, generator):
    fn, floor, passed_at_most = _PRESENTATION_ATTACKS[generator]
    seen = flagged = passed = 0
    for name in ("obama", "biden", "astronaut"):
        for seed in (1, 3, 4):
            r = run_passive_liveness(g.jpeg(fn(img(name), seed)))
            assert "NO_FACE_DETECTED" not in r.warning_codes(), (name, seed)
            seen += 1
            flagged += "LIVENESS_ATTACK_SUSPECTED" in r.warning_codes()
            passed += r.status == "passed" and not r.warning_codes()
    assert seen == 9
    assert flagged >= floor, f"{generator}: {flagged} of {seen} flagged (measured {floor})"
    assert passed <= passed_at_most, f"{generator}: {passed} of {seen} passed outright"


def test_whitened_peak_finds_a_halftone_screen_but_not_the_jpeg_grid(img):
    for name in ("obama", "biden", "astronaut"):
        live = img(name)
        face = _face(live)
        base = peak_whitened(live, face)
        # the same photo through heavy JPEG: its 8-px block grid is left out of the search
        blocky = cv2.imdecode(np.frombuffer(g.jpeg(live, 40), np.uint8), cv2.IMREAD_COLOR)
        assert peak_whitened(blocky, face) < base + 0.5, name
        # a faint periodic screen (about 3.1 px, +-8 grey levels) over the whole picture, at
        # a frequency clear of JPEG's multiples of 1/8 cycle per pixel
        h, w = live.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        screen = 8.0 * np.cos(2 * np.pi * (xx * 0.31 + yy * 0.07))
        printed = np.clip(live.astype(np.float32) + screen[..., None], 0, 255).astype(np.uint8)
        assert peak_whitened(printed, face) > base + 0.5, name


def test_recapture_softens_edges_steepens_the_spectrum_and_keeps_the_grain(img):
    # a re-capture: the picture blurred (print, then lens) and a second sensor's noise added
    rng = np.random.default_rng(0)
    for name in ("obama", "biden", "astronaut"):
        live = img(name)
        face = _face(live)
        soft = cv2.GaussianBlur(live.astype(np.float32), (0, 0), 1.5)
        again = np.clip(soft + rng.normal(0, 4.0, soft.shape), 0, 255).astype(np.uint8)
        assert texture_floor(again, face) > texture_floor(live, face) + 0.1, name
        norm_live, norm_soft = _face_norm(live, face), _face_norm(soft.astype(np.uint8), face)
        assert spectral_slope(norm_soft) < spectral_slope(norm_live) - 0.5, name


def test_ink_gamut_and_a_grey_veil_show_in_the_colour_cues(img):
    for name in ("obama", "biden", "astronaut"):
        live = img(name).astype(np.float32)
        face = _face(img(name))
        grey = live.mean(axis=2, keepdims=True)
        dull = np.clip(grey + 0.6 * (live - grey), 0, 255).astype(np.uint8)  # inks: duller
        p95_live, spread_live = lab_chroma(img(name), face)
        p95_dull, spread_dull = lab_chroma(dull, face)
        assert p95_dull < 0.75 * p95_live and spread_dull < spread_live, name
        veiled = np.clip(live * 0.85 + 30, 0, 255).astype(np.uint8)  # backlight / paper white
        assert dark_chroma(veiled, face) < 0.8 * dark_chroma(img(name), face), name


def test_fit_keeps_each_weight_on_its_cue_side():
    rng = np.random.default_rng(1)
    n = 300
    y = np.r_[np.zeros(n), np.ones(n)]
    x = rng.normal(0, 1, (2 * n, len(CUES)))
    names = list(CUES)
    up = names.index("edge_blur")  # attacks are blurrier: a +1 cue
    wrong = names.index("saturation")  # a -1 cue that here happens to rise with attacks
    x[n:, up] += 2.0
    x[n:, wrong] += 1.5
    free = fit(x, y, l2=1.0)
    held = fit(x, y, l2=1.0, directions=signs())
    assert free.weights[wrong] > 0.3  # unconstrained, it learns the accident backwards
    assert held.weights[wrong] == 0.0 and held.weights[up] > 0.5
    for w, d in zip(held.weights, signs(), strict=True):
        assert w * d >= 0
