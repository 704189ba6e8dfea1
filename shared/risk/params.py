"""The `risk` step's parameters."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.risk import codes as c

# Points each signal adds to the score (0–100, capped); a tenant may change them per step.
DEFAULT_WEIGHTS: dict[str, int] = {
    c.IP_PRIVATE_RANGE: 5,
    c.IP_COUNTRY_UNKNOWN: 5,
    c.IP_MULTIPLE_COUNTRIES: 15,
    c.IP_DOCUMENT_COUNTRY_MISMATCH: 30,
    c.IP_PHONE_COUNTRY_MISMATCH: 15,
    c.PHONE_DOCUMENT_COUNTRY_MISMATCH: 15,
    c.VELOCITY_DOCUMENT_NUMBER: 35,
    c.VELOCITY_EMAIL: 20,
    c.VELOCITY_PHONE: 20,
    c.VELOCITY_DEVICE: 20,
    c.VELOCITY_IP: 15,
    c.VELOCITY_FACE: 35,
    c.DEVICE_AUTOMATION: 40,
    c.DEVICE_TIMEZONE_MISMATCH: 20,
    c.DEVICE_FILE_UPLOAD: 10,
    c.DEVICE_HANDOFF: 0,  # listed with its evidence; a tenant may weigh it
    c.BEHAVIOUR_FAST_STEPS: 20,
    c.BEHAVIOUR_RETAKES: 10,
}
# Other sessions of the tenant within the window with the same value before it is a signal.
DEFAULT_VELOCITY_LIMITS: dict[str, int] = {
    "document_number": 1,
    "email": 2,
    "phone": 2,
    "device": 3,
    "ip": 5,
    "face": 1,
}


class RiskParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_hours: int = Field(default=24 * 30, ge=1, le=24 * 366)
    velocity_limits: dict[str, int] = Field(
        default_factory=dict, description="per kind: other sessions allowed in the window"
    )
    weights: dict[str, int] = Field(default_factory=dict, description="per signal code, 0–100")
    review_at: float = Field(default=50, ge=0, le=100, description="score giving `warning`")
    fail_at: float | None = Field(default=None, ge=0, le=100, description="score giving `failed`")
    min_step_seconds: float = Field(
        default=3, ge=0, le=600, description="a capture step done faster is BEHAVIOUR_FAST_STEPS"
    )
    retakes_limit: int = Field(
        default=3, ge=1, le=100, description="retakes over all steps giving BEHAVIOUR_RETAKES"
    )
    face_similarity: float = Field(
        default=80, gt=0, lt=100, description="similarity (0–100) taken as the same face"
    )

    @field_validator("weights")
    @classmethod
    def _known_codes(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(f"no such signal: {', '.join(unknown)}")
        if any(not 0 <= w <= 100 for w in v.values()):
            raise ValueError("a weight is 0–100")
        return v

    @field_validator("velocity_limits")
    @classmethod
    def _known_kinds(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(DEFAULT_VELOCITY_LIMITS))
        if unknown:
            raise ValueError(f"no such velocity kind: {', '.join(unknown)}")
        if any(n < 1 for n in v.values()):
            raise ValueError("a velocity limit is at least 1")
        return v

    def weight(self, code: str) -> int:
        return self.weights.get(code, DEFAULT_WEIGHTS[code])

    def limit(self, kind: str) -> int:
        return self.velocity_limits.get(kind, DEFAULT_VELOCITY_LIMITS[kind])
