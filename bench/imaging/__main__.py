"""`python -m bench.imaging`: peak memory and time of 8 concurrent image bombs per engine.

Each engine (documents, faces, proof of address, NFC DG2 portrait) runs in a fresh process
that first decodes one ordinary 12 Mpx JPEG (the baseline), then receives 8 bombs at once
from 8 threads (30000x30000 PNG; GIF/JPEG/TIFF headers declaring 30000x30000; a 16383x16383
WebP). Printed: peak RSS growth over the process's own baseline, and the wall time of the
8 bombs as a ratio of the one ordinary decode measured in the same process.
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import io, json, resource, sys, time
from concurrent.futures import ThreadPoolExecutor
from PIL import Image
from tests.imaging.bombs import BOMBS

engine, fmt = sys.argv[1], sys.argv[2]
if engine == "documents":
    from shared.documents.image_io import decode_image as fn
elif engine == "faces":
    from shared.faces.image_io import decode_image as fn
elif engine == "poa":
    from shared.poa.image_read import open_image as fn
else:
    from shared.nfc.dg2 import FaceImage, decode_image as dg2
    def fn(data):
        return dg2(FaceImage("jpeg", 0, 0, "unspecified", 0, data))
buf = io.BytesIO()
Image.effect_noise((4000, 3000), 40).convert("RGB").save(buf, format="JPEG", quality=90)
ordinary = buf.getvalue()
t0 = time.perf_counter()
try:
    fn(ordinary)
except Exception:
    pass
one = time.perf_counter() - t0
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
bomb = BOMBS[fmt]()
def hit(_):
    try:
        fn(bomb)
        return "accepted"
    except Exception as exc:
        return type(exc).__name__
t0 = time.perf_counter()
with ThreadPoolExecutor(8) as pool:
    outcomes = sorted(set(pool.map(hit, range(8))))
eight = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"engine": engine, "bomb": fmt, "baseline_mb": round(base / 1024),
                  "growth_mb": round((peak - base) / 1024, 1), "bombs_ms": round(eight * 1000, 1),
                  "ordinary_ms": round(one * 1000, 1), "ratio": round(eight / one, 3),
                  "outcomes": outcomes}))
"""


def main() -> int:
    from tests.imaging.bombs import BOMBS

    print(
        f"{'engine':10} {'bomb':5} {'base MB':>8} {'+peak MB':>9} {'8 bombs ms':>11} "
        f"{'1 photo ms':>11} {'ratio':>6}  outcome"
    )
    worst = 0.0
    for engine in ("documents", "faces", "poa", "nfc"):
        for fmt in sorted(BOMBS):
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, engine, fmt],
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            worst = max(worst, r["growth_mb"])
            print(
                f"{engine:10} {fmt:5} {r['baseline_mb']:8} {r['growth_mb']:9} "
                f"{r['bombs_ms']:11} {r['ordinary_ms']:11} {r['ratio']:6}  "
                f"{','.join(r['outcomes'])}"
            )
    print(f"worst peak RSS growth under 8 concurrent bombs: {worst} MB")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    raise SystemExit(main())
