"""Model inference, observed: a span (model name and file hash, never inputs) and the
`idmesh_model_inference_seconds` histogram around every run of a loaded model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shared.observability import metrics
from shared.observability.tracing import span


@contextmanager
def inference(model: str, sha256: str = "") -> Iterator[None]:
    attrs = {"idmesh.model": model, "idmesh.model_sha256": sha256 or None}
    with span(f"model {model}", attributes=attrs):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            metrics.MODEL_SECONDS.labels(model).observe(time.perf_counter() - t0)


class ObservedSession:
    """An onnxruntime InferenceSession whose `run` is observed; everything else delegates."""

    def __init__(self, session: Any, model: str, sha256: str) -> None:
        self._session = session
        self._model = model
        self._sha256 = sha256

    def run(self, *args: Any, **kwargs: Any) -> Any:
        with inference(self._model, self._sha256):
            return self._session.run(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)
