"""Every run of a loaded model is timed per model (histogram) on real pixels."""

from __future__ import annotations

import numpy as np
from prometheus_client import REGISTRY

from shared.faces import models
from shared.faces.detect import detect_faces


def _count(model: str) -> float:
    value = REGISTRY.get_sample_value("idmesh_model_inference_seconds_count", {"model": model})
    return value or 0.0


def test_face_detector_runs_are_timed_per_model():
    name = models.MODELS["yunet"].name
    before = _count(name)
    img = np.full((240, 320, 3), 127, dtype=np.uint8)
    detect_faces(img)
    detect_faces(img)
    assert _count(name) == before + 2
