"""`idmesh nfc trust import FILE` / `idmesh nfc trust list`: the CSCA trust store.

Imports CSCA certificates (PEM/DER), CMS-signed ICAO master lists and CRLs from files into
the trust store in Postgres, as the owner role (IDMESH_OWNER_DATABASE_URL on a cluster, where
it runs as a Job): the nfc functions read it, nothing else writes it. Each import is verified
(master list signature and signer chain, CRL signature by a trusted CSCA), recorded with its
provenance and bumps the store version.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    nfc = subparsers.add_parser("nfc", help="NFC chip verification administration")
    nfc_sub = nfc.add_subparsers(dest="nfc_command", required=True)
    trust = nfc_sub.add_parser("trust", help="CSCA trust store (certificates, master lists, CRLs)")
    trust_sub = trust.add_subparsers(dest="trust_command", required=True)

    imp = trust_sub.add_parser("import", help="import a CSCA certificate, master list or CRL")
    imp.add_argument("file", nargs="+", help="PEM or DER file(s): paths or https URLs")
    imp.add_argument(
        "--force",
        action="store_true",
        help="import even if the master list / CRL signature cannot be verified",
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=run_import)

    lst = trust_sub.add_parser("list", help="list the trust store's content and imports")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)


def _store(write: bool = False):
    from shared.config import Settings
    from shared.db.function_role import operator_database_url, process_database_url
    from shared.nfc.trust import PgTrustStore

    settings = Settings.from_env()
    url = operator_database_url(settings) if write else process_database_url(settings)
    return PgTrustStore(url, refresh_seconds=0)


def run_import(args: argparse.Namespace) -> int:
    import httpx

    from shared.cli.fetch import local_file
    from shared.nfc.errors import NfcError

    store = _store(write=True)
    status = 0
    records = []
    for name in args.file:
        try:
            with local_file(name) as path:
                record = store.import_bytes(path.read_bytes(), name, force=args.force)
        except (NfcError, OSError, httpx.HTTPError) as exc:
            code = getattr(exc, "code", "NFC_TRUST_IMPORT_REJECTED")
            record = {"file": name, "error": code, "message": str(exc)}
            status = 2
        records.append(record)
        if not args.json:
            if "error" in record:
                sys.stdout.write(f"{name}: rejected ({record['message']})\n")
            else:
                sys.stdout.write(
                    f"{name}: {record['kind']}, {record['added']} added, "
                    f"{record['already_present']} already present, "
                    f"{len(record['rejected'])} rejected → store version {record['version']}\n"
                )
                for why in record["rejected"]:
                    sys.stdout.write(f"  rejected: {why}\n")
    if args.json:
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
    return status


def run_list(args: argparse.Namespace) -> int:
    store = _store()
    entries, imports = store.entries(), store.imports()
    if args.json:
        out = {
            "version": store.version(),
            "entries": entries,
            "imports": imports,
        }
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    sys.stdout.write(
        f"trust store version {store.version()}: "
        f"{sum(e['kind'] == 'csca' for e in entries)} CSCA, "
        f"{sum(e['kind'] == 'crl' for e in entries)} CRL\n"
    )
    for e in entries:
        if e["kind"] == "csca":
            sys.stdout.write(
                f"  CSCA {e['country']} {e['subject']} "
                f"({e['not_before'][:10]}..{e['not_after'][:10]}) "
                f"from {e['source']['file']} v{e['added_in_version']}\n"
            )
        else:
            sys.stdout.write(
                f"  CRL  {e['country']} {e['issuer']} "
                f"({e['this_update'][:10]}, {e['revoked']} revoked) "
                f"from {e['source']['file']} v{e['added_in_version']}\n"
            )
    return 0
