"""Test data for the face checks, built from the real faces in `tests/faces/data/`.

- document-style variants of a face photo (print/scan, halftone, grayscale, passport-photo
  size, low-quality JPEG) for genuine/impostor pairs;
- presentation-attack simulations (screen replay with a sub-pixel grid and moiré, printed
  photo with halftone dots and paper border, photo of a photo) and bona fide variants;
- head-movement frame sequences for active liveness (mesh warp of the face around its
  landmarks, so the landmarks move as in a real head turn).
Everything is deterministic for a given seed. Bench imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).parent / "data"

# identity of each test photo (source: README in data/)
PHOTOS: dict[str, str] = {
    "obama": "obama",
    "obama2": "obama",
    "obama3": "obama",
    "obama_partial_face": "obama",
    "obama_partial_face2": "obama",
    "biden": "biden",
    "astronaut": "astronaut",
}


def load(name: str) -> np.ndarray:
    img = cv2.imread(str(DATA / f"{name}.jpg"), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(name)
    return img


def load_bytes(name: str) -> bytes:
    return (DATA / f"{name}.jpg").read_bytes()


def jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- document-style variants


def grayscale(img: np.ndarray, seed: int = 0) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def print_scan(img: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = _rng(seed)
    out = img.astype(np.float32)
    out = out * 0.82 + 25  # printed dynamic range
    out[..., 0] *= 0.93  # warm paper
    out = cv2.GaussianBlur(out, (0, 0), 1.1)
    out += rng.normal(0, 4, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def halftone(img: np.ndarray, seed: int = 0, cell: int = 4) -> np.ndarray:
    """Grayscale amplitude-modulated halftone (round dots on a 45-degree screen)."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    h, w = gray.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx + yy) / np.sqrt(2) / cell
    v = (xx - yy) / np.sqrt(2) / cell
    screen = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4 + 0.5  # 0..1
    dots = (gray > screen).astype(np.float32)
    dots = cv2.GaussianBlur(dots, (0, 0), 0.6)
    out = (dots * 235 + 15).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


def passport_size(img: np.ndarray, seed: int = 0, width: int = 140) -> np.ndarray:
    """The photo shrunk as a document portrait (about 140 px wide at 300 dpi on a card)."""
    h, w = img.shape[:2]
    scale = width / w
    return cv2.resize(img, (width, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def low_jpeg(img: np.ndarray, seed: int = 0) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg(img, 35), np.uint8), cv2.IMREAD_COLOR)


DOC_VARIANTS: dict[str, Callable[..., np.ndarray]] = {
    "original": lambda img, seed=0: img,
    "print_scan": print_scan,
    "halftone": lambda img, seed=0: halftone(cv2.resize(img, None, fx=2, fy=2), seed, cell=5),
    "grayscale": grayscale,
    "passport_size": passport_size,
    "low_jpeg": low_jpeg,
}


def match_pairs(variants: list[str] | None = None) -> list[tuple[str, str, str, bool]]:
    """(photo_a, photo_b, variant applied to b, same_person) over distinct photos."""
    names = list(PHOTOS)
    variants = variants or list(DOC_VARIANTS)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for v in variants:
                out.append((a, b, v, PHOTOS[a] == PHOTOS[b]))
    return out


# ---------------------------------------------------------------- presentation attacks


def bona_fide(img: np.ndarray, seed: int = 0) -> np.ndarray:
    """A real capture with ordinary camera variation (exposure, noise, scale, compression)."""
    rng = _rng(seed)
    out = img.astype(np.float32) * rng.uniform(0.8, 1.15) + rng.uniform(-15, 15)
    out += rng.normal(0, rng.uniform(0.5, 3.0), out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    s = rng.uniform(0.7, 1.0)
    out = cv2.resize(out, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return cv2.imdecode(np.frombuffer(jpeg(out, int(rng.integers(70, 95))), np.uint8), 1)


def _perspective(img: np.ndarray, rng: np.random.Generator, amount: float = 0.05) -> np.ndarray:
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-amount, amount, (4, 2)) * [w, h]
    dst = (src + jitter).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


def _place_in_scene(
    media: np.ndarray, rng: np.random.Generator, frame_px: int, frame_color
) -> np.ndarray:
    """Put the displayed/printed picture, with its frame, in a larger scene."""
    h, w = media.shape[:2]
    framed = cv2.copyMakeBorder(
        media, frame_px, frame_px, frame_px, frame_px, cv2.BORDER_CONSTANT, value=frame_color
    )
    pad_y, pad_x = int(h * rng.uniform(0.08, 0.2)), int(w * rng.uniform(0.08, 0.2))
    bg = np.full((h + 2 * frame_px + 2 * pad_y, w + 2 * frame_px + 2 * pad_x, 3), 0, np.uint8)
    bg[:] = rng.integers(60, 200, 3)
    bg = np.clip(bg.astype(np.float32) + rng.normal(0, 8, bg.shape), 0, 255).astype(np.uint8)
    bg[pad_y : pad_y + framed.shape[0], pad_x : pad_x + framed.shape[1]] = framed
    return bg


def screen_replay(img: np.ndarray, seed: int = 0, with_bezel: bool | None = None) -> np.ndarray:
    """The face shown on a phone/monitor and photographed: sub-pixel grid, moiré, glare, bezel."""
    rng = _rng(seed)
    h, w = img.shape[:2]
    k = 3
    up = cv2.resize(img, (w * k, h * k), interpolation=cv2.INTER_NEAREST).astype(np.float32)
    # RGB stripes with a dark gap (the pixel grid), BGR order
    mask = np.zeros((h * k, w * k, 3), np.float32)
    for c, ch in enumerate((2, 1, 0)):
        mask[:, c::k, ch] = 1.0
    mask[::k, :, :] *= 0.5
    up = cv2.GaussianBlur(up * mask * 3.2, (0, 0), 0.9)
    # capture by a camera at a slightly different scale and angle -> moiré
    angle = rng.uniform(-4, 4)
    scale = rng.uniform(0.31, 0.36)
    m = cv2.getRotationMatrix2D((w * k / 2, h * k / 2), angle, 1.0)
    up = cv2.warpAffine(up, m, (w * k, h * k), borderMode=cv2.BORDER_REFLECT)
    out = cv2.resize(up, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    # screen gamma, blue cast
    out = 255 * (np.clip(out, 0, 255) / 255) ** rng.uniform(0.8, 1.1)
    out[..., 0] *= rng.uniform(1.0, 1.12)
    # specular glare blob
    gh, gw = out.shape[:2]
    cy, cx = rng.uniform(0.1, 0.9) * gh, rng.uniform(0.1, 0.9) * gw
    yy, xx = np.mgrid[0:gh, 0:gw]
    sigma = rng.uniform(0.06, 0.15) * max(gh, gw)
    out += (
        160
        * np.exp(-(((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2)))[..., None]
        * rng.uniform(0.4, 1.0)
    )
    out = np.clip(out, 0, 255).astype(np.uint8)
    if with_bezel is None:
        with_bezel = bool(rng.random() < 0.6)
    if with_bezel:
        out = _place_in_scene(out, rng, max(4, out.shape[1] // 25), (int(rng.integers(5, 30)),) * 3)
    out = _perspective(out, rng, 0.03)
    return cv2.imdecode(np.frombuffer(jpeg(out, int(rng.integers(75, 92))), np.uint8), 1)


def print_attack(img: np.ndarray, seed: int = 0, with_border: bool | None = None) -> np.ndarray:
    """A colour print of the face (CMYK-like halftone, paper white) held up to the camera."""
    rng = _rng(seed)
    big = cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    cell = int(rng.integers(4, 7))
    chans = []
    for ch, ang in zip(range(3), (15, 45, 75), strict=True):
        g = big[..., ch].astype(np.float32) / 255.0
        hh, ww = g.shape
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        a = np.radians(ang)
        u = (xx * np.cos(a) + yy * np.sin(a)) / cell
        v = (-xx * np.sin(a) + yy * np.cos(a)) / cell
        screen = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4 + 0.5
        chans.append((g > screen).astype(np.float32))
    printed = np.stack(chans, axis=-1)
    printed = cv2.GaussianBlur(printed, (0, 0), 0.8) * 215 + 25
    printed[..., 0] *= 0.92  # paper is warmer than the scene
    printed = cv2.resize(printed, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    out = np.clip(printed * rng.uniform(0.85, 1.05), 0, 255).astype(np.uint8)
    if with_border is None:
        with_border = bool(rng.random() < 0.6)
    if with_border:
        out = _place_in_scene(out, rng, max(4, out.shape[1] // 15), (235, 240, 242))
    out = _perspective(out, rng, 0.04)
    return cv2.imdecode(np.frombuffer(jpeg(out, int(rng.integers(75, 92))), np.uint8), 1)


def photo_of_photo(img: np.ndarray, seed: int = 0) -> np.ndarray:
    """A printed photo (continuous tone) re-photographed: flat lighting gradient, blur, border."""
    rng = _rng(seed)
    out = img.astype(np.float32) * 0.8 + 30
    h, w = out.shape[:2]
    grad = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(1.0, 1.15), w)[None, :, None]
    out = cv2.GaussianBlur(out * grad, (0, 0), 1.3)
    out = np.clip(out, 0, 255).astype(np.uint8)
    out = _place_in_scene(out, rng, max(4, w // 18), (238, 238, 238))
    out = _perspective(out, rng, 0.05)
    return cv2.imdecode(np.frombuffer(jpeg(out, int(rng.integers(70, 90))), np.uint8), 1)


ATTACKS: dict[str, Callable[..., np.ndarray]] = {
    "screen_replay": screen_replay,
    "print": print_attack,
    "photo_of_photo": photo_of_photo,
}


def liveness_set(per_photo: int = 4, seed_offset: int = 0) -> list[tuple[str, str, bytes, bool]]:
    """(photo, kind, jpeg bytes, is_attack): bona fide variants and each attack type.

    The cue limits were set by looking at seeds 0..2; the bench uses seed_offset=100 so its
    figures come from samples the limits were not chosen on (same generator, though).
    """
    out = []
    for p_i, name in enumerate(PHOTOS):
        img = load(name)
        for k in range(per_photo):
            seed = 1000 * p_i + k + seed_offset
            out.append((name, "bona_fide", jpeg(bona_fide(img, seed), 92), False))
            for kind, fn in ATTACKS.items():
                out.append((name, kind, jpeg(fn(img, seed), 92), True))
    return out


# ---------------------------------------------------------------- active liveness frames


def _shift_field(h: int, w: int, centre: tuple[float, float], radius: float, dx: float, dy: float):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = np.exp(-(((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * radius**2)))
    return (xx - dx * g).astype(np.float32), (yy - dy * g).astype(np.float32)


def warp_head(
    img: np.ndarray, landmarks: np.ndarray, yaw: float, pitch: float, zoom: float = 1.0
) -> np.ndarray:
    """Move the nose/mouth region relative to the eyes like a head turn (yaw/pitch in -1..1)."""
    h, w = img.shape[:2]
    eye_d = float(np.linalg.norm(landmarks[1] - landmarks[0]))
    nose = landmarks[2]
    centre = (float(nose[0]), float(nose[1]))
    mx, my = _shift_field(
        h, w, centre, 0.5 * eye_d, yaw * 0.7 * eye_d + 0.01, -pitch * 0.45 * eye_d
    )
    out = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if zoom != 1.0:
        m = cv2.getRotationMatrix2D(centre, 0, zoom)
        out = cv2.warpAffine(out, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    return out


STEP_MOTION = {
    "turn_left": (1.0, 0.0, 1.0),  # nose to image right: the person's left (unmirrored camera)
    "turn_right": (-1.0, 0.0, 1.0),
    "look_up": (0.0, 1.0, 1.0),
    "look_down": (0.0, -1.0, 1.0),
    "come_closer": (0.0, 0.0, 1.5),
}


def challenge_frames(
    img: np.ndarray, landmarks: np.ndarray, steps: list[str], n_frames: int = 30, seed: int = 0
) -> list[bytes]:
    """A frame sequence: neutral, then each step (ramp in and out), with camera noise."""
    rng = _rng(seed)
    per = max(3, (n_frames - 3) // max(1, len(steps)))
    poses = [(0.0, 0.0, 1.0)] * 3
    for s in steps:
        ty, tp, tz = STEP_MOTION[s]
        for i in range(per):
            a = np.sin(np.pi * (i + 0.5) / per)  # 0 -> 1 -> 0
            poses.append((ty * a, tp * a, 1.0 + (tz - 1.0) * a))
    poses = poses[:n_frames]
    frames = []
    for yaw, pitch, zoom in poses:
        f = warp_head(img, landmarks, yaw, pitch, zoom).astype(np.float32)
        f += rng.normal(0, 2.0, f.shape)
        frames.append(jpeg(np.clip(f, 0, 255).astype(np.uint8), 88))
    return frames
