"""The sequence rule on known poses (pitch moves and mirroring included), and video input."""

import numpy as np

from shared.faces.detect import Face
from shared.faces.liveness_active import FrameInfo, MoveLimits, check_sequence
from shared.faces.pose import Pose
from shared.faces.video import frames_from_video
from tests.faces import generator as g


def frames(poses):
    face = Face(box=(0, 0, 10, 10), landmarks=np.zeros((5, 2), np.float32), score=1.0)
    return [
        FrameInfo(
            index=i, img=None, face=face, pose=Pose(yaw=y, pitch=p, roll=0), size=s, hash=str(i)
        )
        for i, (y, p, s) in enumerate(poses)
    ]


NEUTRAL = [(0, 0, 50)] * 3


def test_pitch_and_closer_moves_in_order():
    seq = NEUTRAL + [(0, 15, 50), (0, 0, 50), (0, -15, 50), (0, 0, 50), (0, 0, 70)]
    res, _ = check_sequence(
        frames(seq), ["look_up", "look_down", "come_closer"], False, MoveLimits()
    )
    assert [c["step"] for c in res.completed] == ["look_up", "look_down", "come_closer"]
    assert not res.missing and not res.out_of_order


def test_later_move_first_is_out_of_order():
    seq = NEUTRAL + [(0, -15, 50), (0, 0, 50), (0, 15, 50), (0, -15, 50)]
    res, _ = check_sequence(frames(seq), ["look_up", "look_down"], False, MoveLimits())
    assert res.out_of_order == ["look_down"]


def test_mirrored_frames_flip_left_and_right():
    seq = NEUTRAL + [(-20, 0, 50), (0, 0, 50)]
    plain, _ = check_sequence(frames(seq), ["turn_left"], False, MoveLimits())
    mirrored, _ = check_sequence(frames(seq), ["turn_left"], True, MoveLimits())
    assert plain.missing == ["turn_left"]
    assert mirrored.completed[0]["step"] == "turn_left"


def test_video_is_split_into_frames(tmp_path):
    import cv2

    path = tmp_path / "v.avi"
    img = cv2.resize(g.load("obama"), (256, 320))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (256, 320))
    for i in range(12):
        writer.write(np.roll(img, i, axis=1))
    writer.release()
    out = frames_from_video(path.read_bytes(), max_frames=6)
    assert len(out) == 6 and all(f[:2] == b"\xff\xd8" for f in out)
