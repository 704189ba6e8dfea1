"""List loaders: each turns one public file format into normalised `Entity` records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shared.aml.loaders import eu, ftm, ofac, uk, un
from shared.aml.loaders.common import LoadError, ParsedList

# format name → (parser, default list name)
FORMATS: dict[str, tuple[Callable[[Path], ParsedList], str]] = {
    "un-xml": (un.parse, "un"),
    "ofac-csv": (lambda p: ofac.parse_csv(p), "ofac"),
    "ofac-xml": (ofac.parse_xml, "ofac"),
    "eu-xml": (eu.parse, "eu"),
    "uk-csv": (uk.parse, "uk"),
    "ftm-json": (ftm.parse, "opensanctions"),
}


def parse_file(path: Path, fmt: str) -> tuple[ParsedList, str]:
    """Parser output and default list name for a file of a known format."""
    if fmt not in FORMATS:
        raise LoadError(f"unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    if not path.is_file():
        raise LoadError(f"no such file: {path}")
    parser, list_name = FORMATS[fmt]
    return parser(path), list_name


__all__ = ["FORMATS", "LoadError", "ParsedList", "parse_file"]
