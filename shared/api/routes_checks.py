"""Standalone checks (`POST /v1/checks/{check}`): synchronous, no session, same result shape.

Each engine registers how to read its inputs from the request; the models load once per
API process, on first use.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.datastructures import FileStorage

from shared.api.services import Services
from shared.audit import audit
from shared.checks.result import CheckResult
from shared.checks.scale import on_api_scale
from shared.http.input_guard import load_json
from shared.http.problem import Problem, validation_problem
from shared.http.router import Ctx, Reply, Router

StandaloneRunner = Callable[[Ctx], CheckResult]
RUNNERS: dict[str, tuple[StandaloneRunner, bool]] = {}  # check -> (runner, multipart)


def standalone(check: str, multipart: bool) -> Callable[[StandaloneRunner], StandaloneRunner]:
    def deco(fn: StandaloneRunner) -> StandaloneRunner:
        RUNNERS[check] = (fn, multipart)
        return fn

    return deco


def read_file(ctx: Ctx, field: str, max_bytes: int, required: bool = True) -> bytes | None:
    f: FileStorage | None = ctx.request.files.get(field)
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


def form_params(ctx: Ctx, model: type[BaseModel]) -> BaseModel:
    raw = ctx.request.form.get("params") or "{}"
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


@standalone("aml", multipart=False)
def _aml(ctx: Ctx) -> CheckResult:
    from shared.aml.check import AmlParams, AmlQuery, run_aml

    try:
        body = AmlRequest.model_validate(ctx.request.get_json(force=True, silent=False))
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


def register_routes(router: Router, services: Services) -> None:
    max_bytes = services.settings.max_upload_bytes

    @router.route(
        "POST",
        "/v1/checks/<string:check>",
        tags=("checks",),
        summary="Run one check now, without a session",
    )
    def run(ctx: Ctx, check: str) -> Reply:
        entry = RUNNERS.get(check)
        if entry is None:
            raise Problem(
                404,
                "Not Found",
                f"no standalone check {check!r}; available: " + ", ".join(sorted(RUNNERS)),
                code="not-found",
            )
        runner, multipart = entry
        if multipart and ctx.request.mimetype != "multipart/form-data":
            raise Problem(415, "Unsupported Media Type", "expected multipart/form-data")
        if not multipart and ctx.request.mimetype != "application/json":
            raise Problem(415, "Unsupported Media Type", "expected application/json")
        length = ctx.request.content_length
        if length is not None and length > max_bytes * 2 + 65536:
            raise Problem(413, "Content Too Large", "the upload is too large")
        if not multipart:
            load_json(ctx.request.get_data(cache=True))
        result = on_api_scale(runner(ctx))
        audit(
            ctx.conn,
            ctx.principal.tenant_id,
            ctx.principal.actor,
            "check.standalone",
            details={"check": check, "status": result.status.value},
        )
        return Reply(200, result)


__all__ = ["RUNNERS", "form_params", "read_file", "standalone"]


def _image(ctx: Ctx, field: str, required: bool = True) -> bytes | None:
    from shared.api.services import get_services

    return read_file(ctx, field, get_services().settings.max_upload_bytes, required)


@standalone("face_match", multipart=True)
def _face_match(ctx: Ctx) -> CheckResult:
    from shared.faces.check import FaceMatchParams, run_face_match

    params = form_params(ctx, FaceMatchParams)
    return run_face_match(_image(ctx, "image_a"), _image(ctx, "image_b"), params)


@standalone("passive_liveness", multipart=True)
def _passive_liveness(ctx: Ctx) -> CheckResult:
    from shared.faces.check import PassiveLivenessParams, run_passive_liveness

    return run_passive_liveness(_image(ctx, "image"), form_params(ctx, PassiveLivenessParams))


@standalone("age_estimation", multipart=True)
def _age_estimation(ctx: Ctx) -> CheckResult:
    import datetime as dt

    from shared.faces.check import AgeEstimationParams, run_age_estimation

    dob_raw = ctx.request.form.get("date_of_birth")
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
        _image(ctx, "image"), form_params(ctx, AgeEstimationParams), None, dob
    )


@standalone("id_document", multipart=True)
def _id_document(ctx: Ctx) -> CheckResult:
    from shared.documents.check import run_id_document
    from shared.documents.params import IdDocumentParams

    params = form_params(ctx, IdDocumentParams)
    return run_id_document(_image(ctx, "front"), _image(ctx, "back", required=False), params)


@standalone("proof_of_address", multipart=True)
def _proof_of_address(ctx: Ctx) -> CheckResult:
    from shared.poa.check import run_proof_of_address
    from shared.poa.params import ProofOfAddressParams

    params = form_params(ctx, ProofOfAddressParams)
    form = ctx.request.form
    return run_proof_of_address(
        _image(ctx, "file"),
        params,
        None,
        expected_name=form.get("name") or None,
        expected_address=form.get("address") or None,
    )
