"""The `aml` step's query: ICAO nationality codes become ISO 3166 countries."""

from __future__ import annotations

import pytest

from shared.aml.step import iso_country


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


class _Inputs:
    """What query_for_session reads: the id_document MRZ and the expected data."""

    def __init__(self, mrz: dict, expected=None) -> None:
        self._mrz, self.expected = mrz, expected

    def document_mrz(self) -> dict:
        return self._mrz


def test_the_query_uses_the_document_and_never_a_field_it_cannot_use():
    from shared.aml.step import query_for_session
    from shared.sessions.store import Expected

    q = query_for_session(
        _Inputs(
            {
                "given_names": "ERIKA",
                "surname": "MUSTERMANN",
                "date_of_birth": "1964-08-12",
                "nationality": "D",
                "document_number": "C01X00T47",
            }
        )
    )
    assert (q.name, q.date_of_birth, q.country, q.identifiers) == (
        "ERIKA MUSTERMANN",
        "1964-08-12",
        "DE",
        ["C01X00T47"],
    )
    odd = query_for_session(
        _Inputs({"surname": "DOE", "date_of_birth": "1990-XX-XX", "nationality": "UTO"})
    )
    assert (odd.name, odd.date_of_birth, odd.country) == ("DOE", None, None)
    fallback = query_for_session(
        _Inputs({"surname": "<<<", "given_names": ""}, Expected(first_name="Ann", last_name="Lee"))
    )
    assert fallback.name == "Ann Lee"
