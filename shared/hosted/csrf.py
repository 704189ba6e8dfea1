"""CSRF tokens for the hosted forms: an HMAC of the link, keyed from the master key.

The page embeds the token (a hidden field, or a meta tag the scripts send back in a header);
a cross-site form cannot know it. Posts must also come from the hosted origin (the pages
send `Referrer-Policy: same-origin`, so browsers keep sending a real Origin on posts)."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def _key(master_key: bytes) -> bytes:
    return hmac.new(master_key, b"idmesh hosted csrf v1", hashlib.sha256).digest()


def csrf_token(master_key: bytes, link_id: str) -> str:
    return hmac.new(_key(master_key), link_id.encode(), hashlib.sha256).hexdigest()


def csrf_valid(master_key: bytes, link_id: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(master_key, link_id), presented)


def same_origin(origin: str | None, referer: str | None, base_url: str) -> bool:
    """Origin (or, when a browser omits it, Referer) is the hosted pages' own origin."""
    base = base_url.rstrip("/")
    if origin:
        return origin.rstrip("/") == base
    if referer:
        return referer == base or referer.startswith(base + "/")
    return False
