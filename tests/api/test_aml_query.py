"""The `aml` step's query: ICAO nationality codes become ISO 3166 countries."""

from __future__ import annotations

import pytest

from shared.aml.platform import iso_country


@pytest.mark.parametrize(
    ("icao", "iso"),
    [
        ("D", "DE"),
        ("D<<", "DE"),
        ("AUT", "AT"),
        ("AUS", "AU"),
        ("GBD", "GB"),
        ("GBN", "GB"),
        ("GBO", "GB"),
        ("GBR", "GB"),
        ("FRA", "FR"),
        ("UTO", None),
        ("EUE", None),
        ("UNO", None),
        ("XXA", None),
        ("XXX", None),
        ("", None),
        (None, None),
    ],
)
def test_icao_nationality_to_iso(icao, iso):
    assert iso_country(icao) == iso
