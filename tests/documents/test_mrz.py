"""MRZ parser/checker on ICAO 9303 specimen MRZs (positive and negative) and OCR repairs."""

from __future__ import annotations

from datetime import date

import pytest

from shared.documents.mrz import MrzError, check_digit, find_mrz_in_text, parse_mrz

TODAY = date(2026, 1, 1)

# ICAO 9303 specimens (Parts 4-7) and well-known national specimens.
SPECIMENS = {
    "td3_icao": (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        dict(
            format="TD3",
            document_number="L898902C3",
            surname="ERIKSSON",
            given_names="ANNA MARIA",
            date_of_birth="1974-08-12",
            expiry_date="2012-04-15",
            sex="F",
            nationality="UTO",
            issuing_country="UTO",
            optional_data="ZE184226B",
        ),
    ),
    "td1_icao": (
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        dict(
            format="TD1",
            document_number="D23145890",
            document_type="I",
            date_of_birth="1974-08-12",
            expiry_date="2012-04-15",
        ),
    ),
    "td2_icao": (
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
        dict(format="TD2", document_number="D23145890", surname="ERIKSSON"),
    ),
    "mrva_icao": (
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
        "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        dict(
            format="MRVA",
            document_number="L8988901C",
            nationality="XXX",
            date_of_birth="1940-09-07",
            expiry_date="1996-12-10",
        ),
    ),
    "mrvb_icao": (
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<",
        dict(format="MRVB", document_number="L8988901C"),
    ),
    "td1_long_number_icao": (
        "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\n"
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
        dict(
            format="TD1",
            document_number="D23145890734",
            sex="M",
            given_names="PETER JOHN",
            optional_data="",
        ),
    ),
    "de_passport_D<<": (
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
        "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4",
        dict(
            issuing_country="D",
            nationality="D",
            document_number="C01X00T47",
            expiry_date="2027-02-28",
        ),
    ),
    "de_id_card_D<<": (
        "IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\n"
        "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
        dict(format="TD1", document_type="ID", sex="X", document_number="T22000129"),
    ),
}


def test_check_digit_examples():
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("<<<<<") == "0"


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_specimens_parse_and_verify(name):
    text, expected = SPECIMENS[name]
    res = parse_mrz(text, repair=False, today=TODAY)
    assert res.checks_valid, [c for c in res.checks if not c.valid]
    for k, v in expected.items():
        assert getattr(res, k) == v, (k, getattr(res, k), v)
    # with repair on, a valid MRZ is untouched
    again = parse_mrz(text, today=TODAY)
    assert again.lines == res.lines and not again.repairs


def _flip(text: str, line: int, pos: int, char: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:pos] + char + lines[line][pos + 1 :]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("name", "line", "pos", "char", "failing"),
    [
        ("td3_icao", 1, 9, "7", {"document_number", "composite"}),  # number check digit
        ("td3_icao", 1, 19, "3", {"date_of_birth", "composite"}),  # birth check digit
        ("td3_icao", 1, 27, "0", {"expiry_date", "composite"}),  # expiry check digit
        ("td3_icao", 1, 43, "1", {"composite"}),  # composite only
        ("td3_icao", 1, 42, "2", {"optional_data", "composite"}),  # personal number cd
        ("td1_icao", 1, 29, "5", {"composite"}),
        ("td1_icao", 1, 3, "9", {"date_of_birth", "composite"}),  # altered birth date
        ("td2_icao", 1, 14, "5", {"date_of_birth", "composite"}),
        ("mrvb_icao", 1, 9, "5", {"document_number"}),
        ("td1_long_number_icao", 0, 18, "1", {"document_number", "composite"}),
    ],
)
def test_negative_vectors_fail(name, line, pos, char, failing):
    text = _flip(SPECIMENS[name][0], line, pos, char)
    res = parse_mrz(text, today=TODAY)
    assert not res.checks_valid
    assert {c.name for c in res.checks if not c.valid} == failing


def test_repair_letters_in_dates_and_digits_in_countries():
    bad = (
        "P<UT0ERIKSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<\nL898902C36UT07408I22F12O4159ZE184226B<<<<<1O"
    )
    res = parse_mrz(bad, today=TODAY)
    assert res.checks_valid
    assert res.lines == SPECIMENS["td3_icao"][0].split("\n")
    assert res.given_names == "ANNA MARIA"
    assert {r.field for r in res.repairs} >= {"nationality", "date_of_birth", "composite_cd"}


def test_repair_document_number_proven_by_check_digit():
    res = parse_mrz(_flip(SPECIMENS["td3_icao"][0], 1, 5, "O"), today=TODAY)
    assert res.checks_valid and res.document_number == "L898902C3"
    assert [r.reason for r in res.repairs] == ["check digit"]


def test_no_repair_when_check_digit_does_not_prove_it():
    # 'S' -> '5' is a possible confusion but no single swap makes the number verify.
    res = parse_mrz(_flip(SPECIMENS["td3_icao"][0], 1, 1, "X"), today=TODAY)
    assert not res.checks_valid
    assert res.document_number == "LX98902C3"
    assert not res.repairs


@pytest.mark.parametrize("delta", [-3, -1, 1, 2])
def test_filler_runs_lost_or_gained(delta):
    l1, l2 = SPECIMENS["td3_icao"][0].split("\n")
    if delta < 0:
        l2b = l2.replace("<<<<<", "<<<<<"[: 5 + delta])
        l1b = l1[:delta]
    else:
        l2b = l2.replace("<<<<<", "<" * (5 + delta))
        l1b = l1 + "<" * delta
    res = parse_mrz([l1b, l2b], today=TODAY)
    assert res.checks_valid
    assert res.lines == [l1, l2]


def test_unknown_birth_day_and_month():
    from shared.documents.mrz import check_digit as cd

    dob = "74<<<<"
    l2 = "L898902C36UTO" + dob + cd(dob) + "F1204159ZE184226B<<<<<1"
    comp = l2[0:10] + l2[13:20] + l2[21:43]
    l2 += cd(comp)
    res = parse_mrz(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", l2], today=TODAY)
    assert res.checks_valid
    assert res.date_of_birth is None and res.date_of_birth_raw == "74<<<<"


def test_find_mrz_among_noise():
    lines = ["PASSPORT", "UTOPIA", *SPECIMENS["td3_icao"][0].split("\n"), "12 APR 2012"]
    res = find_mrz_in_text(lines, today=TODAY)
    assert res is not None and res.format == "TD3" and res.checks_valid


def test_rejects_non_mrz():
    with pytest.raises(MrzError):
        parse_mrz("hello\nworld")
    with pytest.raises(MrzError):
        parse_mrz("A" * 44, repair=False)


def test_lookalikes_from_other_scripts_are_folded():
    from shared.documents.mrz import normalise_line

    assert normalise_line("jwahv×edz６Оk < く«") == "JWAHVXEDZ6OK<<<<"


def test_no_chance_repair_when_the_misread_is_not_a_lookalike():
    # Truth ZZUC7ZU09 read as ZZ007ZU09 (U->0, C->0): a swap that makes the check digit
    # verify by chance must not be presented as proven.
    good = "ZZUC7ZU099ITA5212073F3009048<<<<<<<<<<<<<<<2"
    line1 = "P<ITAGARCIA<<MARK<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    assert parse_mrz([line1, good], today=TODAY).checks_valid
    res = parse_mrz([line1, good.replace("ZZUC", "ZZ00", 1)], today=TODAY)
    assert not res.checks_valid
    assert res.document_number == "ZZ007ZU09"
    assert not [r for r in res.repairs if r.reason == "check digit"]


def test_repair_with_an_independent_reading():
    from shared.documents.mrz import repair_with_reading

    good = "ZZUC7ZU099ITA5212073F3009048<<<<<<<<<<<<<<<2"
    line1 = "P<ITAGARCIA<<MARK<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    bad = parse_mrz([line1, good.replace("ZZUC", "ZZ00", 1)], today=TODAY)
    fixed = repair_with_reading(bad, "document_number", "ZZUC7ZU09")
    assert fixed is not None and fixed.checks_valid and fixed.lines[1] == good
    assert fixed.repairs[-1].reason == "visual zone"
    # a reading that does not satisfy the check digits is not used
    assert repair_with_reading(bad, "document_number", "ZZUD7ZU09") is None


def test_filler_lookalikes_after_the_end_of_the_name_are_fillers():
    # a small capture reads `<` as C or K; after the name's end (three fillers) only
    # fillers can follow, so they are repaired - but not a letter inside the name, and not
    # a tail holding other letters
    line2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    bad = "P<UTOERIKSSON<<ANNA<MARIA<<<C<<CC<<<K<<<<<<<"
    res = parse_mrz([bad, line2])
    assert res.lines[0] == "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    assert res.given_names == "ANNA MARIA"
    assert any(r.field == "name" for r in res.repairs)
    keep = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<PETER<<"
    assert parse_mrz([keep, line2]).lines[0] == keep
    inside = "P<UTOKOCK<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    assert parse_mrz([inside, line2]).surname == "KOCK"


def test_issuer_and_nationality_must_be_codes_of_the_standard():
    from shared.documents.mrz import known_code
    from shared.documents.mrzfind import well_formed

    assert known_code("UTO") and known_code("D<<") and known_code("P0L") and known_code("XXA")
    assert not known_code("UTE") and not known_code("IRS") and not known_code("<<<")
    line1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    line2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    assert well_formed(line1, 44, 0) and well_formed(line2, 44, 1)
    # UTOOEBERG read as UTEBERG (a doubled letter merged): issuer UTE is no state's code
    assert not well_formed("P<UTEBERG<<IDA" + "<" * 30, 44, 0)
    assert well_formed(line2[:10] + "UT0" + line2[13:], 44, 1)  # O read as 0: repaired later
    assert not well_formed(line2[:10] + "UTE" + line2[13:], 44, 1)
    assert not well_formed(line1[:43], 44, 0)
    assert not well_formed(line2[:20] + "3" + line2[21:], 44, 1)  # M read as 3: no sex
    assert not well_formed("P<UTOERIKSSON<<<ANNA" + "<" * 24, 44, 0)  # a name after its end


def test_a_miscounted_joint_inside_a_name_is_restored():
    line2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    res = parse_mrz(["P<UTOERIKSSON<<<ANNA<MARIA<<<<<<<<<<<<<<<<<<", line2])
    assert (res.surname, res.given_names) == ("ERIKSSON", "ANNA MARIA")
    res = parse_mrz(["P<UTOERIKSSON<<ANNA<<<MARIA<<<<<<<<<<<<<<<<<", line2])
    assert (res.surname, res.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert len(res.lines[0]) == 44
