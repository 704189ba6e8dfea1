"""A short liveness video -> evenly spaced JPEG frames (through a temporary file: OpenCV's
decoder reads files, not memory).

Bounded like every image input (`shared/imaging/guard.py`): the container's frame size and
frame count are checked before any frame is decoded, at most `MAX_VIDEO_FRAMES` are read,
and only the frames kept are held (as JPEG), never the whole decoded video.
"""

from __future__ import annotations

import os
import tempfile

import cv2
import numpy as np

from shared.faces.image_io import BadImage, encode_jpeg

MAX_VIDEO_PIXELS = 3840 * 2160  # per frame (4K)
MAX_VIDEO_FRAMES = 900  # 30 s at 30 frames per second


def _too_large(w: int, h: int) -> bool:
    return w * h > MAX_VIDEO_PIXELS


def frames_from_video(data: bytes, max_frames: int = 30) -> list[bytes]:
    fd, path = tempfile.mkstemp(suffix=".video")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        cap = cv2.VideoCapture(path)
        try:
            return _sample(cap, max_frames)
        finally:
            cap.release()
    finally:
        os.unlink(path)


def _sample(cap: cv2.VideoCapture, max_frames: int) -> list[bytes]:
    if not cap.isOpened():
        raise BadImage("not a decodable video")
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if _too_large(w, h):
        raise BadImage(f"video frames of {w}x{h} are over the {MAX_VIDEO_PIXELS} pixel limit")
    declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    if declared > MAX_VIDEO_FRAMES:
        raise BadImage(f"video of {declared} frames is over the {MAX_VIDEO_FRAMES} frame limit")
    keep = (
        set(np.linspace(0, declared - 1, min(max_frames, declared)).astype(int).tolist())
        if declared > 0
        else None
    )
    frames: list[bytes] = []
    for i in range(MAX_VIDEO_FRAMES + 1):
        ok, frame = cap.read()
        if not ok:
            break
        if i == MAX_VIDEO_FRAMES:
            raise BadImage(f"video longer than {MAX_VIDEO_FRAMES} frames")
        if _too_large(frame.shape[1], frame.shape[0]):
            raise BadImage("a video frame is over the pixel limit")
        if keep is None or i in keep:
            frames.append(encode_jpeg(frame))
    if not frames:
        raise BadImage("not a decodable video")
    if keep is None or len(frames) > max_frames:
        idx = np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).astype(int)
        frames = [frames[i] for i in idx]
    return frames
