"""Dates, addresses and names: the parsers and comparisons on their own."""

from datetime import date

import pytest

from shared.poa.address import compare, parse_freeform, parse_lines
from shared.poa.dates import find_dates
from shared.poa.names import compare as name_compare
from shared.poa.ocr import respace_latin


@pytest.mark.parametrize(
    ("text", "country", "want"),
    [
        ("Bill date: March 5, 2026", "US", date(2026, 3, 5)),
        ("03/05/2026", "US", date(2026, 3, 5)),
        ("03/05/2026", "UK", date(2026, 5, 3)),
        ("13/10/2026", "US", date(2026, 10, 13)),
        ("Rechnungsdatum 5. März 2026", "DE", date(2026, 3, 5)),
        ("Date d'émission : 7novembre2026", "FR", date(2026, 11, 7)),
        ("Fecha de emisión: 5 de marzo de 2026", "ES", date(2026, 3, 5)),
        ("Factuurdatum 12-11-2026", "NL", date(2026, 11, 12)),
        ("2026-10-13", None, date(2026, 10, 13)),
        ("1er mars 2026", "FR", date(2026, 3, 1)),
    ],
)
def test_dates(text, country, want):
    hits = find_dates(text, country)
    assert hits and hits[0].value == want


def test_address_formats():
    us = parse_lines(["1234 Maple Ave Apt 5B", "Springfield, IL 62704"])
    assert (us.house_number, us.unit, us.postcode, us.state) == ("1234", "Apt 5B", "62704", "IL")
    uk = parse_lines(["Flat 3", "27 Kingsley Road", "MANCHESTER", "M14 5QT"])
    assert (uk.unit, uk.house_number, uk.city, uk.postcode) == (
        "Flat 3",
        "27",
        "MANCHESTER",
        "M14 5QT",
    )
    de = parse_lines(["Lindenstraße 14a", "80331 München"])
    assert (de.street, de.house_number, de.postcode) == ("Lindenstraße", "14a", "80331")
    es = parse_lines(["Calle de Alcalá, 45, 3º B", "28014 Madrid"])
    assert (es.house_number, es.unit, es.city) == ("45", "3º B", "Madrid")
    nl = parse_lines(["Prinsengracht 263-2", "1016 GV Amsterdam"])
    assert (nl.house_number, nl.unit, nl.postcode) == ("263", "2", "1016 GV")
    fr = parse_lines(["30 bis avenue Victor Hugo", "Appartement 12", "31000 TOULOUSE"])
    assert (fr.house_number, fr.unit, fr.city) == ("30bis", "Appartement 12", "TOULOUSE")
    assert parse_lines(["Statement date", "Account number 123"]) is None


def test_address_match_tolerates_abbreviations_and_units():
    doc = parse_lines(["1234 Riverside Pkwy Apt 5B", "Austin, TX 78701"])
    assert compare(doc, parse_freeform("1234 Riverside Parkway #5B, Austin TX 78701")).matched
    assert not compare(doc, parse_freeform("1234 Riverside Parkway Apt 7, Austin TX 78701")).matched
    assert not compare(doc, parse_freeform("1236 Riverside Parkway, Austin TX 78701")).matched
    de = parse_lines(["Lindenstraße 14a", "80331 München"])
    assert compare(de, parse_freeform("Lindenstr. 14a, 80331 Muenchen")).matched
    assert not compare(de, parse_freeform("Lindenstr. 14a, 80333 München")).matched


def test_name_match():
    assert name_compare("Mr Isla Hughes", "HUGHES Isla").matched
    assert name_compare("Dña. Begoña Gómez Díaz", "Begona Gomez").matched
    assert name_compare("Сергей Иванов", "Sergei Ivanov").matched
    assert name_compare("J. Smith", "John Smith").matched
    assert not name_compare("Anna Schmidt", "Lena Schmidt").matched
    assert not name_compare("Oliver Taylor", "Emily Walker").matched


def test_ocr_respacing():
    assert respace_latin("M.FRANCOIS MARTIN") == "M. FRANCOIS MARTIN"
    assert respace_latin("59000LILLE") == "59000 LILLE"
    assert respace_latin("MmeJeanMoreau") == "Mme Jean Moreau"
    assert respace_latin("SW1A 2AA") == "SW1A 2AA"
