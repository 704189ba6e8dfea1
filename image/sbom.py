"""Build-time SBOM and licence list of the image's Python environment.

Writes `sbom.cdx.json` (CycloneDX 1.5 JSON: every installed distribution with its version,
purl and declared licence) and `licenses.txt` (one line per distribution) into the given
directory. Fails (exit 1) when a runtime distribution declares a GPL/AGPL licence: those are
allowed as test data only, never in the image."""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
import uuid
from pathlib import Path

FORBIDDEN = re.compile(r"\b(A?GPL|GNU (Affero )?General Public)", re.I)
LESSER = re.compile(r"\bLGPL|Lesser General Public", re.I)


def licence_of(dist: importlib.metadata.Distribution) -> str:
    meta = dist.metadata
    expr = meta.get("License-Expression")
    if expr:
        return expr
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License")
    ]
    if classifiers:
        return " OR ".join(sorted(set(classifiers)))
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:80] if text else "UNKNOWN"


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = sorted(
        {
            (d.metadata["Name"], d.version, licence_of(d))
            for d in importlib.metadata.distributions()
        },
        key=lambda r: r[0].lower(),
    )
    components = [
        {
            "type": "library",
            "name": name,
            "version": version,
            "purl": f"pkg:pypi/{name.lower()}@{version}",
            "licenses": [{"license": {"name": lic}}],
        }
        for name, version, lic in rows
    ]
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {"component": {"type": "container", "name": "idmesh"}},
        "components": components,
    }
    (out / "sbom.cdx.json").write_text(json.dumps(sbom, indent=1), encoding="utf-8")
    lines = [f"{n}=={v}\t{lic}" for n, v, lic in rows]
    (out / "licenses.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = [
        f"{n} {v}: {lic}" for n, v, lic in rows if FORBIDDEN.search(lic) and not LESSER.search(lic)
    ]
    for b in bad:
        print(f"GPL/AGPL in the runtime image: {b}", file=sys.stderr)
    print(f"sbom: {len(rows)} distributions")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
