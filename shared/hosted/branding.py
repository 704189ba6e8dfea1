"""Per-tenant branding of the hosted pages: name, logo, colours, privacy link, retention,
the origins that may embed the pages, and whether file uploads are allowed.

Validated on the way in: colours as #RRGGBB with WCAG 2.2 contrast (text on background and
button text on the primary colour at least 4.5:1), logos PNG/JPEG/WebP only (no SVG: it can
carry scripts), at most 128 KiB and 1024 px, at least 32 px."""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.sessions.sniff import sniff

ORIGIN_RE = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?$")  # https://host[:port]

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}
MAX_LOGO_BYTES = 128 * 1024  # base64 of it fits the API's 256 KiB JSON limit
MAX_LOGO_PX = 1024
MIN_LOGO_PX = 32
MIN_CONTRAST = 4.5
HEX = r"^#[0-9A-Fa-f]{6}$"


class BrandingError(ValueError):
    """A branding the pages cannot use (answered 422 with the pointer)."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer = pointer
        self.detail = detail


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255.0
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def on_colour(background: str) -> str:
    """Black or white text, whichever contrasts more with `background`."""
    return (
        "#000000"
        if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#FFFFFF")
        else "#FFFFFF"
    )


class BrandingIn(BaseModel):
    """`PUT /v1/tenant/branding`: every field optional; omitted ones take the defaults."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(
        None, min_length=1, max_length=100, description="name shown to end users"
    )
    logo: str | None = Field(
        None, description="base64 PNG, JPEG or WebP; at most 128 KiB, 32-1024 px per side"
    )
    primary_color: str = Field("#1F4E9C", pattern=HEX, description="buttons and focus ring")
    background_color: str = Field("#FFFFFF", pattern=HEX)
    text_color: str = Field("#1A1A1A", pattern=HEX)
    privacy_url: str | None = Field(
        None, max_length=500, pattern=r"^https://", description="the tenant's privacy notice"
    )
    retention_days: int | None = Field(
        None, ge=1, le=3650, description="how long verification data is kept (shown at consent)"
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="origins (https://host[:port]) allowed to embed the pages in an iframe",
    )
    allow_file_upload: bool = Field(
        True, description="offer uploading files when the camera cannot be used"
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for o in v:
            if not ORIGIN_RE.match(o):
                raise ValueError(f"{o!r} is not an origin like https://example.com")
        return v

    @model_validator(mode="after")
    def _contrast(self) -> BrandingIn:
        text = contrast_ratio(self.text_color, self.background_color)
        if text < MIN_CONTRAST:
            raise ValueError(
                f"text_color on background_color has contrast {text:.2f}:1, under {MIN_CONTRAST}:1"
            )
        button = contrast_ratio(self.primary_color, on_colour(self.primary_color))
        if button < MIN_CONTRAST:
            raise ValueError(
                f"no text colour reaches {MIN_CONTRAST}:1 on primary_color ({button:.2f}:1)"
            )
        link = contrast_ratio(self.primary_color, self.background_color)
        if link < 3.0:
            raise ValueError(
                f"primary_color on background_color has contrast {link:.2f}:1, under 3:1 "
                "(focus ring and links)"
            )
        return self


class Branding(BaseModel):
    display_name: str | None = None
    logo_type: str | None = None
    primary_color: str = "#1F4E9C"
    background_color: str = "#FFFFFF"
    text_color: str = "#1A1A1A"
    privacy_url: str | None = None
    retention_days: int | None = None
    allowed_origins: list[str] = Field(default_factory=list)
    allow_file_upload: bool = True

    @property
    def on_primary(self) -> str:
        return on_colour(self.primary_color)


def decode_logo(b64: str) -> tuple[bytes, str]:
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BrandingError("/logo", "not valid base64") from exc
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError("/logo", f"the logo is over {MAX_LOGO_BYTES} bytes")
    ctype = sniff(data)
    if ctype not in LOGO_TYPES:
        raise BrandingError("/logo", "the logo must be PNG, JPEG or WebP")
    from PIL import Image, UnidentifiedImageError  # only when a logo is set

    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size  # from the header: refused before any pixel is decoded
            if max(w, h) > MAX_LOGO_PX or min(w, h) < MIN_LOGO_PX:
                raise BrandingError(
                    "/logo",
                    f"the logo is {w}x{h} px; sides must be {MIN_LOGO_PX}-{MAX_LOGO_PX} px",
                )
            im.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BrandingError("/logo", "the logo cannot be decoded") from exc
    return data, ctype


def save_branding(conn: psycopg.Connection, tenant_id: str, body: BrandingIn) -> Branding:
    logo, logo_type = decode_logo(body.logo) if body.logo else (None, None)
    fields: dict[str, Any] = body.model_dump(exclude={"logo"})
    conn.execute(
        "INSERT INTO tenant_branding (tenant_id, display_name, logo, logo_type, primary_color, "
        "background_color, text_color, privacy_url, retention_days, allowed_origins, "
        "allow_file_upload, updated_at) VALUES (%(tenant_id)s, %(display_name)s, %(logo)s, "
        "%(logo_type)s, %(primary_color)s, %(background_color)s, %(text_color)s, "
        "%(privacy_url)s, %(retention_days)s, %(allowed_origins)s, %(allow_file_upload)s, now()) "
        "ON CONFLICT (tenant_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        "logo = EXCLUDED.logo, logo_type = EXCLUDED.logo_type, "
        "primary_color = EXCLUDED.primary_color, background_color = EXCLUDED.background_color, "
        "text_color = EXCLUDED.text_color, privacy_url = EXCLUDED.privacy_url, "
        "retention_days = EXCLUDED.retention_days, allowed_origins = EXCLUDED.allowed_origins, "
        "allow_file_upload = EXCLUDED.allow_file_upload, updated_at = now()",
        {**fields, "tenant_id": tenant_id, "logo": logo, "logo_type": logo_type},
    )
    return load_branding(conn, tenant_id)


_COLUMNS = (
    "display_name, logo_type, primary_color, background_color, text_color, privacy_url, "
    "retention_days, allowed_origins, allow_file_upload"
)


def load_branding(conn: psycopg.Connection, tenant_id: str) -> Branding:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM tenant_branding WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()
    return Branding.model_validate(row) if row else Branding()


def load_logo(conn: psycopg.Connection, tenant_id: str) -> tuple[bytes, str] | None:
    row = conn.execute(
        "SELECT logo, logo_type FROM tenant_branding WHERE tenant_id = %s AND logo IS NOT NULL",
        (tenant_id,),
    ).fetchone()
    return (bytes(row["logo"]), row["logo_type"]) if row else None


def origin_allowed(conn: psycopg.Connection, tenant_id: str, origin: str) -> bool:
    """Whether the tenant allows `origin` (to embed the pages, to call the API: CORS)."""
    if len(origin) > 200 or not ORIGIN_RE.match(origin):
        return False
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM tenant_branding WHERE tenant_id = %s "
        "AND %s = ANY (allowed_origins)) AS ok",
        (tenant_id, origin),
    ).fetchone()
    return bool(row["ok"])


def some_tenant_allows(conn: psycopg.Connection, origin: str) -> bool:
    """Before any tenant is known (a CORS preflight): does an active tenant allow it?"""
    if len(origin) > 200 or not ORIGIN_RE.match(origin):
        return False
    row = conn.execute("SELECT idmesh_cors_origin_allowed(%s) AS ok", (origin,)).fetchone()
    return bool(row["ok"])
