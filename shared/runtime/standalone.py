"""A check function's HTTP function call: the standalone check (`POST /check`).

The API authenticates the tenant and forwards `POST /v1/checks/{check}` here unchanged
(multipart for image checks, JSON for AML); this module reads the request the way the
engine needs it and runs the engine in the check's own process, where its models are
already loaded. It answers the one result shape or a problem (RFC 9457) for bad input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request

from shared.catalog import STANDALONE_CHECKS
from shared.checks.result import CheckResult
from shared.http.input_guard import load_json
from shared.http.problem import Problem, validation_problem

Reader = Callable[[Request, int], CheckResult]
# check -> (reader, whether the request is multipart)
READERS: dict[str, tuple[Reader, bool]] = {}


def _reader(check: str, multipart: bool) -> Callable[[Reader], Reader]:
    def deco(fn: Reader) -> Reader:
        READERS[check] = (fn, multipart)
        return fn

    return deco


def check_request_shape(check: str, mimetype: str, content_length: int | None, max_bytes: int):
    """The cheap refusals both ends make before reading a body: 415 for the wrong media
    type, 413 for a body larger than two files and a form."""
    multipart = check != "aml"
    if multipart and mimetype != "multipart/form-data":
        raise Problem(415, "Unsupported Media Type", "expected multipart/form-data")
    if not multipart and mimetype != "application/json":
        raise Problem(415, "Unsupported Media Type", "expected application/json")
    if content_length is not None and content_length > max_bytes * 2 + 65536:
        raise Problem(413, "Content Too Large", "the upload is too large")


def run_standalone(check: str, request: Request, max_bytes: int) -> CheckResult:
    """Read the request of standalone `check` and run its engine (Problem on bad input)."""
    if check not in READERS:
        raise Problem(404, "Not Found", f"this function runs no standalone {check!r}")
    reader, _ = READERS[check]
    check_request_shape(check, request.mimetype, request.content_length, max_bytes)
    return reader(request, max_bytes)


def read_file(request: Request, field: str, max_bytes: int, required: bool = True) -> bytes | None:
    f: FileStorage | None = request.files.get(field)
    if f is None:
        if required:
            raise Problem(
                422,
                "Unprocessable Content",
                f"the upload needs a `{field}` file",
                code="validation-error",
                errors=[{"pointer": f"/{field}", "detail": "required"}],
            )
        return None
    data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Problem(413, "Content Too Large", f"files are limited to {max_bytes} bytes")
    if not data:
        raise Problem(422, "Unprocessable Content", f"`{field}` is empty", code="empty-file")
    return data


def form_params(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = request.form.get("params") or "{}"
    data = load_json(raw.encode(), "params")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc, "params") from exc


class AmlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    date_of_birth: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}-\d{2})?$")
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    type: str | None = Field(default=None, pattern=r"^(person|company)$")
    identifiers: list[str] = Field(default_factory=list, max_length=10)
    params: dict = Field(default_factory=dict)


@_reader("aml", multipart=False)
def _aml(request: Request, _max_bytes: int) -> CheckResult:
    from shared.aml.check import AmlParams, AmlQuery, run_aml

    raw = load_json(request.get_data(cache=True))
    try:
        body = AmlRequest.model_validate(raw)
        params = AmlParams.model_validate(body.params)
    except ValidationError as exc:
        raise validation_problem(exc) from exc
    query = AmlQuery(
        name=body.name,
        date_of_birth=body.date_of_birth,
        country=body.country,
        type=body.type,
        identifiers=body.identifiers,
    )
    return run_aml(query, params)


@_reader("face_match", multipart=True)
def _face_match(request: Request, max_bytes: int) -> CheckResult:
    from shared.faces.check import FaceMatchParams, run_face_match

    params = form_params(request, FaceMatchParams)
    return run_face_match(
        read_file(request, "image_a", max_bytes), read_file(request, "image_b", max_bytes), params
    )


@_reader("passive_liveness", multipart=True)
def _passive_liveness(request: Request, max_bytes: int) -> CheckResult:
    from shared.faces.check import PassiveLivenessParams, run_passive_liveness

    return run_passive_liveness(
        read_file(request, "image", max_bytes), form_params(request, PassiveLivenessParams)
    )


@_reader("age_estimation", multipart=True)
def _age_estimation(request: Request, max_bytes: int) -> CheckResult:
    from shared.faces.check import AgeEstimationParams, run_age_estimation

    dob_raw = request.form.get("date_of_birth")
    try:
        dob = dt.date.fromisoformat(dob_raw) if dob_raw else None
    except ValueError as exc:
        raise Problem(
            422,
            "Unprocessable Content",
            "date_of_birth must be YYYY-MM-DD",
            code="validation-error",
            errors=[{"pointer": "/date_of_birth", "detail": "YYYY-MM-DD"}],
        ) from exc
    return run_age_estimation(
        read_file(request, "image", max_bytes),
        form_params(request, AgeEstimationParams),
        None,
        dob,
    )


@_reader("id_document", multipart=True)
def _id_document(request: Request, max_bytes: int) -> CheckResult:
    from shared.documents.check import run_id_document
    from shared.documents.params import IdDocumentParams

    params = form_params(request, IdDocumentParams)
    return run_id_document(
        read_file(request, "front", max_bytes),
        read_file(request, "back", max_bytes, required=False),
        params,
    )


@_reader("proof_of_address", multipart=True)
def _proof_of_address(request: Request, max_bytes: int) -> CheckResult:
    from shared.poa.check import run_proof_of_address
    from shared.poa.params import ProofOfAddressParams

    params = form_params(request, ProofOfAddressParams)
    form = request.form
    return run_proof_of_address(
        read_file(request, "file", max_bytes),
        params,
        None,
        expected_name=form.get("name") or None,
        expected_address=form.get("address") or None,
    )


assert set(READERS) == set(STANDALONE_CHECKS), "every standalone check has a reader"
