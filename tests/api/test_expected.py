"""Expected data (name, date of birth) against what the document says."""

from __future__ import annotations

from shared.checks.result import CheckResult, CheckStatus
from shared.crosscheck import compare_expected
from shared.sessions.store import Expected


def doc(given="JOHN PAUL", surname="SMITH", dob="1990-01-01", status=CheckStatus.passed):
    mrz = {"given_names": given, "surname": surname, "date_of_birth": dob}
    return CheckResult(check="id_document", status=status, data={"mrz": mrz})


def codes(r: CheckResult) -> list[str]:
    return r.warning_codes()


def test_another_persons_document_is_a_mismatch():
    r = compare_expected(
        doc("ANNA MARIA", "SCHMIDT", "1985-07-12"),
        Expected(first_name="John", last_name="Smith", date_of_birth="1990-01-01"),
    )
    assert codes(r) == ["EXPECTED_NAME_MISMATCH", "EXPECTED_DOB_MISMATCH"]
    assert r.status == CheckStatus.warning
    assert r.data["expected"]["name"]["match"] is False


def test_same_person_with_middle_name_and_transliteration_agrees():
    r = compare_expected(
        doc(), Expected(first_name="John", last_name="Smith", date_of_birth="1990")
    )
    assert codes(r) == [] and r.status == CheckStatus.passed
    assert r.data["expected"]["name"] == {"compared": True, "score": 100.0, "match": True}
    r = compare_expected(
        doc("JUERGEN", "MUELLER", "1971-03-04"),
        Expected(first_name="Jürgen", last_name="Müller", date_of_birth="1971-03-04"),
    )
    assert codes(r) == []


def test_one_different_given_name_is_a_mismatch():
    r = compare_expected(doc("JANE"), Expected(first_name="John", last_name="Smith"))
    assert codes(r) == ["EXPECTED_NAME_MISMATCH"]


def test_unknown_date_parts_agree_and_nothing_expected_changes_nothing():
    r = compare_expected(doc(dob="1990-XX-XX"), Expected(date_of_birth="1990-05-06"))
    assert codes(r) == []
    before = doc()
    assert compare_expected(before, None).data == {"mrz": before.data["mrz"]}


def test_a_failed_status_stays_failed_and_errors_are_left_alone():
    r = compare_expected(doc(status=CheckStatus.failed), Expected(last_name="Jones"))
    assert r.status == CheckStatus.failed and codes(r) == ["EXPECTED_NAME_MISMATCH"]
    err = compare_expected(doc(status=CheckStatus.error), Expected(last_name="Jones"))
    assert codes(err) == []
