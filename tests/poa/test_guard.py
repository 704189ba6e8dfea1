"""Input sniffing and the refusal of encrypted, hostile and broken files."""

import pytest

from shared.poa.check import run_proof_of_address
from shared.poa.params import ProofOfAddressParams
from shared.poa.sniff import Media, sniff
from tests.poa import hostile


@pytest.mark.parametrize(
    ("maker", "code"),
    [
        (hostile.javascript_pdf, "POA_HOSTILE_PDF"),
        (hostile.obfuscated_javascript_pdf, "POA_HOSTILE_PDF"),
        (hostile.launch_pdf, "POA_HOSTILE_PDF"),
        (hostile.bomb_pdf, "POA_HOSTILE_PDF"),
        (hostile.huge_objstm_pdf, "POA_HOSTILE_PDF"),
        (hostile.encrypted_pdf, "POA_ENCRYPTED"),
        (hostile.truncated_pdf, "POA_CORRUPT_FILE"),
        (hostile.too_many_pages_pdf, "POA_TOO_MANY_PAGES"),
    ],
)
def test_refused_pdfs(maker, code):
    r = run_proof_of_address(maker(), ProofOfAddressParams())
    assert r.status.value == "error"
    assert r.warning_codes() == [code]


def test_garbage_and_limits():
    assert run_proof_of_address(b"hello").warning_codes() == ["POA_UNSUPPORTED_FORMAT"]
    assert run_proof_of_address(b"").warning_codes() == ["POA_UNSUPPORTED_FORMAT"]
    assert run_proof_of_address(b"\xff\xd8\xff\xe0junk").warning_codes() == ["POA_CORRUPT_FILE"]
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    r = run_proof_of_address(big, ProofOfAddressParams(max_bytes=1024 * 1024))
    assert r.warning_codes() == ["POA_FILE_TOO_LARGE"]


def test_sniff():
    assert sniff(b"\x89PNG\r\n\x1a\nxxxx") == Media.png
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == Media.webp
    assert sniff(b"II*\x00abcd") == Media.tiff
    assert sniff(b"junk\n%PDF-1.7\n") == Media.pdf
    assert sniff(b"GIF89a") is None


def test_params_forbid_unknown_keys():
    with pytest.raises(ValueError):
        ProofOfAddressParams.model_validate({"max_age": 3})
