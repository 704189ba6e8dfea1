"""One onnxruntime session per face model per process.

Which file each model is, its hash and licence, and its `IDMESH_MODEL_<KEY>` override live in
the model registry (`shared/models/registry.py`); this module only loads and caches sessions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shared.config import Settings
from shared.models.registry import MODELS, ModelUnavailable, file_sha256, model_info, model_path
from shared.observability.inference import ObservedSession

log = logging.getLogger(__name__)


_lock = threading.Lock()
_sessions: dict[str, object] = {}


def threads() -> int:
    return Settings.current().faces_threads


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
            sess = ObservedSession(sess, MODELS[key].name, file_sha256(path))
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


# The models each face function needs before it reports ready (others load on first use).
CHECK_MODELS: dict[str, tuple[str, ...]] = {
    "passive_liveness": ("yunet",),
    "active_liveness": ("yunet", "sface"),
    "face_match": ("yunet", "sface"),
    "age_estimation": ("yunet", "age"),
    "blocklist": ("yunet", "sface"),
    "nfc": ("yunet", "sface"),
}


def warm_up(check: str | None = None) -> None:
    """Create the sessions `check` needs (every default model without one).

    No inference is run: measured on this machine, an onnxruntime session's first run costs
    the same CPU time as its later ones (YuNet 640² 18 vs 17 ms, SFace 26 vs 25 ms), so a
    warm-up inference only delayed readiness.
    """
    load(CHECK_MODELS[check] if check else ONNX_KEYS)


def warm_up_for(check: str) -> Callable[[], None]:
    """The warm-up of one face function (what its `main.py` hands to the check host)."""
    if check not in CHECK_MODELS:
        raise KeyError(f"no face models are listed for {check!r}")
    return lambda: warm_up(check)


__all__ = [
    "MODELS",
    "ModelUnavailable",
    "model_info",
    "model_path",
    "session",
    "load",
    "warm_up",
    "warm_up_for",
    "CHECK_MODELS",
]
