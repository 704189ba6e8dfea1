"""A short liveness video -> evenly spaced JPEG frames (through a temporary file: OpenCV's
decoder reads files, not memory)."""

from __future__ import annotations

import os
import tempfile

import cv2
import numpy as np

from shared.faces.image_io import BadImage, encode_jpeg


def frames_from_video(data: bytes, max_frames: int = 30) -> list[bytes]:
    fd, path = tempfile.mkstemp(suffix=".video")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        cap = cv2.VideoCapture(path)
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        cap.release()
    finally:
        os.unlink(path)
    if not frames:
        raise BadImage("not a decodable video")
    idx = np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).astype(int)
    return [encode_jpeg(frames[i]) for i in idx]
