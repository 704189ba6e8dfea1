"""`idmesh check nfc DIR --json [--nonce HEX] [--aa-signature FILE]`: verify a folder of EF
files (EF.COM/COM, DG1, DG2, DG11, DG12, DG14, DG15, EF.SOD/SOD) read from a chip."""

from __future__ import annotations

import argparse
import binascii
from pathlib import Path

from shared.checks.result import error_result
from shared.cli.output import print_result


def register(subparsers) -> None:
    p = subparsers.add_parser("nfc", help="verify ePassport / eID chip data (PA + AA)")
    p.add_argument("dir", help="folder of EF files named EF.COM, DG1, DG2, ..., EF.SOD")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--nonce", help="the Active Authentication nonce sent to the chip (hex)")
    p.add_argument("--aa-signature", help="file with the chip's AA signature (binary or hex)")
    p.add_argument(
        "--trust",
        nargs="+",
        metavar="FILE",
        help="verify against these trust files (master lists, CSCA certificates, CRLs, "
        "checked as an import) instead of the trust store in Postgres",
    )
    p.add_argument("--minimum-age", type=int, help="fail when DG1 says the holder is younger")
    p.add_argument("--require-aa", action="store_true", help="fail without Active Authentication")
    p.add_argument("--require-crl", action="store_true", help="fail without a CRL of the CSCA")
    p.set_defaults(func=run)


def _hex_or_binary(data: bytes) -> bytes:
    text = data.strip()
    try:
        return binascii.unhexlify(b"".join(text.split()))
    except (binascii.Error, ValueError):
        return data


def run(args: argparse.Namespace) -> int:
    from shared.nfc.check import CHECK, AaResponse, NfcParams, run_nfc
    from shared.nfc.errors import NfcError
    from shared.nfc.trust import PgTrustStore, trust_from_files

    folder = Path(args.dir)
    if not folder.is_dir():
        return print_result(
            error_result(CHECK, "NFC_INPUT_INVALID", f"{folder} is not a folder"), args.json
        )
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    aa = None
    if args.nonce or args.aa_signature:
        if not (args.nonce and args.aa_signature):
            return print_result(
                error_result(CHECK, "NFC_INPUT_INVALID", "--nonce and --aa-signature go together"),
                args.json,
            )
        try:
            aa = AaResponse(
                nonce=binascii.unhexlify(args.nonce),
                signature=_hex_or_binary(Path(args.aa_signature).read_bytes()),
            )
        except (ValueError, OSError) as exc:
            return print_result(error_result(CHECK, "NFC_INPUT_INVALID", str(exc)), args.json)
    params = NfcParams(
        minimum_age=args.minimum_age, require_aa=args.require_aa, require_crl=args.require_crl
    )
    if args.trust:
        try:
            store = trust_from_files(args.trust)
        except (NfcError, OSError) as exc:
            return print_result(error_result(CHECK, "NFC_INPUT_INVALID", str(exc)), args.json)
    else:
        store = PgTrustStore()
    return print_result(run_nfc(files, params, None, store, aa), args.json)
