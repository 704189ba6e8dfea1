"""A web front's own templates and static files (`templates/`, `static/` beside its code):
the one way the hosted pages and the review console load and serve them."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from shared.hosted.security import security_headers


def templates(folder: Path) -> Environment:
    """The HTML templates under `folder/templates`, autoescaped."""
    return Environment(
        loader=FileSystemLoader(folder / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def static_files(folder: Path) -> dict[str, Path]:
    """The files of `folder/static` by name (read once: a request names one of these)."""
    return {p.name: p for p in (folder / "static").iterdir() if p.is_file()}


def static_response(files: dict[str, Path], name: str) -> Response:
    """One of `files` (404 if unknown) with its type and the security headers, cacheable
    for an hour."""
    path = files.get(name)
    if path is None:
        raise NotFound()
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    resp = Response(path.read_bytes(), mimetype=ctype)
    for k, v in security_headers([]).items():
        resp.headers[k] = v
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp
