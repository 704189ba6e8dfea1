"""Age estimation figures: mean absolute error, minors passed as adults, adults sent to review.

Labelled faces:
- the test photos whose subject's age when photographed is public (approximate, +-2 years;
  see tests/faces/data/README.md), each through generator 2's camera variants as well;
- `--age-dir DIR`: any folder of faces named `AGE_anything.jpg` (the UTKFace naming, for
  instance) that an operator may use under its own licence; nothing is shipped or fetched.

A minor "passed as an adult" is a face under the minimum age whose check status is `passed`
(neither failed nor sent to review by the borderline buffer).
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from shared.faces.check import AgeEstimationParams, run_age_estimation
from tests.faces import attacks2 as a2
from tests.faces import generator as g

# age of the subject when the photo was taken (public record, approximate)
KNOWN_AGES = {"obama": 51.0, "biden": 70.0, "astronaut": 42.0}


def labelled_test_photos(variants: int) -> list[tuple[str, float, np.ndarray]]:
    out = []
    for name, age in KNOWN_AGES.items():
        img = g.load(name)
        out.append((name, age, img))
        for k in range(variants):
            out.append((f"{name}~camera{k}", age, a2.bona_fide(img, 77 + k)))
    return out


def labelled_dir(folder: str, limit: int) -> list[tuple[str, float, np.ndarray]]:
    out = []
    for p in sorted(Path(folder).glob("*.jp*g"))[:limit]:
        m = re.match(r"(\d{1,3})_", p.name)
        img = cv2.imread(str(p))
        if m and img is not None:
            out.append((p.name, float(m.group(1)), img))
    return out


def evaluate(samples: list[tuple[str, float, np.ndarray]]) -> dict:
    params = AgeEstimationParams()
    errors, minors, minors_passed, adults, adults_review, adults_failed = [], 0, 0, 0, 0, 0
    no_face = 0
    per_subject: dict[str, list[float]] = {}
    for name, age, img in samples:
        r = run_age_estimation(g.jpeg(img, 92), params)
        if "age" not in r.data:
            no_face += 1
            continue
        est = float(r.data["age"])
        errors.append(abs(est - age))
        per_subject.setdefault(name.split("~")[0], []).append(est)
        if age < params.minimum_age:
            minors += 1
            minors_passed += r.status.value == "passed"
        else:
            adults += 1
            adults_review += "AGE_BORDERLINE" in r.warning_codes()
            adults_failed += r.status.value == "failed"
    return {
        "n": len(errors),
        "no_face": no_face,
        "MAE_years": round(float(np.mean(errors)), 2) if errors else None,
        "minors": minors,
        "minors_passed_as_adults": round(minors_passed / minors, 3) if minors else None,
        "adults": adults,
        "adults_to_review": round(adults_review / adults, 3) if adults else None,
        "adults_failed": round(adults_failed / adults, 3) if adults else None,
        "estimates_by_subject": {
            k: {"median": round(float(np.median(v)), 1), "spread": round(float(np.ptp(v)), 1)}
            for k, v in per_subject.items()
        },
        "minimum_age": params.minimum_age,
        "review_buffer_years": params.margin,
    }


def run(variants: int, age_dir: str | None, limit: int) -> dict:
    out = {"test_photos_known_age": evaluate(labelled_test_photos(variants))}
    if age_dir:
        out["age_dir"] = evaluate(labelled_dir(age_dir, limit))
    else:
        out["note"] = (
            "no labelled set of minors ships in a permissively licensed package we found: the "
            "minors-as-adults rate needs --age-dir"
        )
    return out
