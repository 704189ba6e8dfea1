"""Security headers of every hosted answer: a strict CSP (scripts and styles only from our
own files, no inline code, nothing third-party), embedding only by the tenant's origins."""

from __future__ import annotations


def frame_ancestors(allowed_origins: list[str]) -> str:
    return " ".join(["'self'", *allowed_origins]) if allowed_origins else "'none'"


def security_headers(allowed_origins: list[str]) -> dict[str, str]:
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob:",
            "media-src 'self' blob: mediastream:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors(allowed_origins)}",
        ]
    )
    headers = {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if not allowed_origins:
        headers["X-Frame-Options"] = "DENY"
    return headers
