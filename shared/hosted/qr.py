"""QR codes for the cross-device handoff, drawn server-side as SVG (segno, BSD-3)."""

from __future__ import annotations

import io

import segno


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, title: str) -> str:
    """An inline SVG (no XML declaration, no scripts) of `url`, labelled for screen readers."""
    buf = io.BytesIO()
    qr_code(url).save(
        buf,
        kind="svg",
        scale=5,
        border=4,
        xmldecl=False,
        svgns=True,
        title=title,
        dark="#000000",
        light="#FFFFFF",
        svgclass="qr",
        lineclass=None,
    )
    return buf.getvalue().decode()
