"""Errors raised by the NFC parsers; each carries a stable code (see `codes.py`)."""

from __future__ import annotations

from shared.nfc import codes


class NfcError(Exception):
    """A problem with chip data, with the stable warning code that reports it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MalformedFile(NfcError):
    def __init__(self, message: str) -> None:
        super().__init__(codes.NFC_MALFORMED_FILE, message)


class TruncatedFile(NfcError):
    def __init__(self, message: str) -> None:
        super().__init__(codes.NFC_TRUNCATED_FILE, message)


class UnsupportedAlgorithm(NfcError):
    def __init__(self, message: str) -> None:
        super().__init__(codes.NFC_UNSUPPORTED_ALGORITHM, message)
