"""The bench's operating point: the threshold that keeps BPCER within 5 % and APCER there."""

from bench.faces.liveness import apcer_at_bpcer


def test_operating_point_keeps_bpcer_within_the_limit_and_counts_attacks_above_it():
    bona = [float(v) for v in range(1, 101)]  # 100 bona fide scores 1..100
    op = apcer_at_bpcer({"bona_fide": bona, "print": [0.0, 5.0, 6.0, 50.0]})
    # 5 of 100 may be flagged (scores 1..5): the threshold is the 6th lowest score
    assert op["threshold_score"] == 6.0 and op["BPCER"] == 0.05
    assert op["APCER_print"] == 0.5  # 6 and 50 are not under the threshold


def test_small_sets_flag_no_bona_fide_and_an_outside_bona_fide_set_can_pick_the_point():
    scores = {"bona_fide": [40.0, 60.0, 80.0], "screen_replay": [10.0, 45.0]}
    op = apcer_at_bpcer(scores)  # 3 samples: 5 % of them is 0, so none may be flagged
    assert op["threshold_score"] == 40.0 and op["BPCER"] == 0.0
    assert op["APCER_screen_replay"] == 0.5
    real = [float(v) for v in range(20, 40)]  # 20 other bona fide: one may be flagged
    op = apcer_at_bpcer(scores, bona_fide=real)
    assert op["threshold_score"] == 21.0 and op["n_bona_fide"] == 20
    assert op["APCER_screen_replay"] == 0.5
    assert apcer_at_bpcer({"print": [1.0]}) == {}


def test_leave_attack_out_misses_an_attack_only_its_own_cue_shows():
    import numpy as np

    from bench.faces.liveness import leave_attack_out
    from shared.faces.liveness_fusion import CUES, DIRECTION

    names = list(CUES)
    shared_cue = names.index("veil")  # +1: higher is attack-like
    own_cue = names.index("glare")  # +1, shown only by the screens here
    assert DIRECTION["veil"] == 1 and DIRECTION["glare"] == 1
    rng = np.random.default_rng(1)
    rows, kinds = [], []
    for kind in ("bona_fide", "print", "photo_of_photo", "screen_replay"):
        x = rng.normal(0, 1, (120, len(names)))
        if kind in ("print", "photo_of_photo"):
            x[:, shared_cue] += 4.0
        if kind == "screen_replay":
            x[:, own_cue] += 4.0
        rows.append(x)
        kinds += [kind] * len(x)
    x = np.vstack(rows)
    y = np.array([0 if k == "bona_fide" else 1 for k in kinds])
    out = leave_attack_out(x, y, kinds)
    # print and photo of photo share a cue: a fit without one still catches it
    assert out["print"] < 0.2 and out["photo_of_photo"] < 0.2
    # the screens' cue is never seen without them: a fit that never saw a screen misses most
    assert out["screen_replay"] > 0.5
