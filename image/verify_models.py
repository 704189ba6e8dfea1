"""Build-time check: every model file baked into the image has the sha256 the README
records. Fails the build (exit 1) on a missing file or a different hash."""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from pathlib import Path


def verify(listing: Path) -> list[str]:
    errors = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        dist, relpath, sha256, _licence = line.split()
        path = Path(str(importlib.metadata.distribution(dist).locate_file(relpath)))
        if not path.is_file():
            errors.append(f"{dist}: {relpath} missing")
            continue
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != sha256:
            errors.append(f"{dist}: {relpath} sha256 {actual} != {sha256}")
        else:
            print(f"ok {sha256[:12]} {relpath}")
    return errors


if __name__ == "__main__":
    problems = verify(Path(sys.argv[1]))
    for p in problems:
        print(f"MODEL CHECK FAILED: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)
