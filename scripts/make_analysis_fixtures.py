#!/usr/bin/env python3
"""Makes the photo-analysis fixtures under Tests/Fixtures/analysis.

Renders known sentences into photo-like images (textured backgrounds, a label, lighting
gradient, vignetting, lens softness, sensor noise, JPEG), photos without any text, and degraded
versions (blur, camera shake, under- and overexposure, fog, covered lens) of a few clean photos,
then writes manifest.json with the expected text and the expected quality flags.

Deterministic: every random draw comes from a seeded generator, so re-running the script
reproduces the committed files byte for byte with the same Pillow and numpy.

Needs: /usr/bin/python3 with Debian's python3-pil and python3-numpy, and the Debian font packages
fonts-dejavu-core, fonts-liberation and fonts-freefont-ttf
(`apt-get install -y fonts-dejavu-core fonts-liberation fonts-freefont-ttf`).

Usage: scripts/make_analysis_fixtures.py [OUTPUT_DIR]
"""
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fixtures", "analysis")

FONTS = {
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSerif-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "DejaVuSansMono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "LiberationSerif": "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "LiberationSans-Bold": "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "FreeSans": "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "FreeSerif": "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
}

# Text a blind person photographs: packaging, medicine, mail, signs, appliances.
SENTENCES = [
    ["Tomato soup", "Ready to serve in five minutes"],
    ["Keep refrigerated after opening", "Best before the end of June"],
    ["Take two tablets daily with food", "Do not exceed the stated dose"],
    ["Please return this form", "before the first of March"],
    ["Fresh orange juice", "No added sugar"],
    ["Caution wet floor"],
    ["Press the green button to start", "Hold for three seconds to stop"],
    ["Whole grain rice", "Cook for twenty minutes"],
    ["Library opening hours", "Monday to Friday nine to five"],
    ["Chocolate chip cookies", "Contains milk eggs and wheat"],
    ["Dishwasher safe", "Made in Portugal"],
    ["Your appointment is on Tuesday", "at half past ten in the morning"],
    # For the tilted labels.
    ["Vitamin tablets", "One a day with water"],
    ["Peanut butter", "Smooth and creamy"],
    ["Do not bend", "Photographs enclosed"],
    ["Turn left for the lifts", "Toilets on the first floor"],
    ["Low fat yogurt", "Strawberry flavour"],
    ["Shampoo for dry hair", "Rinse well after use"],
    ["Chicken noodle soup", "Heat gently and stir"],
    ["Recycle this bottle", "Remove the cap first"],
    ["Gas bill due on Friday", "Pay online or by phone"],
]

# A printed letter photographed on a table: many lines of small text.
LETTER = [
    "Dear Mr Jones, thank you for your letter of the",
    "twelfth. Your new bus pass is enclosed with this",
    "note. Please sign the back of the card before you",
    "use it, and keep it with you when you travel. If",
    "you have any questions, call the office on Monday",
    "or Thursday between ten and four. Kind regards,",
]


def rng_for(name):
    """One generator per image, seeded from its name, so images do not depend on their order."""
    seed = sum((i + 1) * ord(c) for i, c in enumerate(name)) & 0xFFFFFFFF
    return np.random.default_rng(seed)


def smooth_noise(rng, w, h, cell):
    """Low-frequency noise in [0, 1]: random values on a coarse grid, bicubically upsampled."""
    gw, gh = max(2, w // cell + 2), max(2, h // cell + 2)
    grid = (rng.random((gh, gw)) * 255).astype(np.uint8)
    img = Image.fromarray(grid, "L").resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def background(rng, w, h, kind):
    """A photo-like surface (H, W, 3) float32 in [0, 255]."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array([150, 105, 65], np.float32)
        grain = np.sin((x / w * 40 + smooth_noise(rng, w, h, 60) * 6)) * 0.5 + 0.5
        shade = 0.75 + 0.25 * grain[..., None] * smooth_noise(rng, w, h, 25)[..., None]
        img = base * shade
    elif kind == "fabric":
        base = np.array([70, 90, 130], np.float32)
        weave = (np.sin(x * 1.3) * np.sin(y * 1.3)) * 0.08 + 1.0
        img = base * weave[..., None] * (0.85 + 0.3 * smooth_noise(rng, w, h, 40)[..., None])
    elif kind == "counter":
        base = np.array([200, 198, 190], np.float32)
        speck = smooth_noise(rng, w, h, 4) * 0.15 + smooth_noise(rng, w, h, 80) * 0.15
        img = base * (0.8 + speck[..., None])
    elif kind == "wall":
        base = np.array([185, 175, 160], np.float32)
        img = base * (0.9 + 0.1 * smooth_noise(rng, w, h, 120)[..., None])
    else:
        raise ValueError(kind)
    # Light from one side, falling off across the frame.
    light = 0.75 + 0.35 * (1 - x / w) * (1 - 0.3 * y / h)
    return img * light[..., None]


def finish(rng, img, soften=0.7, noise=3.0):
    """Camera look: lens softness, vignetting, sensor noise; returns an 8-bit RGB image."""
    h, w = img.shape[:2]
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    if soften > 0:
        pil = pil.filter(ImageFilter.GaussianBlur(soften))
    arr = np.asarray(pil, dtype=np.float32)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2
    arr = arr * (1 - 0.18 * r2)[..., None]
    arr = arr + rng.normal(0, noise, arr.shape)
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")


def text_photo(name, lines, font_name, size, angle, polarity, surface, w=640, h=480):
    """A label carrying `lines` lying on `surface`, rotated by `angle` degrees (counterclockwise)."""
    rng = rng_for(name)
    font = ImageFont.truetype(FONTS[font_name], size)
    spacing = int(size * 0.45)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    tw = max(b[2] - b[0] for b in boxes)
    th = sum(b[3] - b[1] for b in boxes) + spacing * (len(lines) - 1)
    pad = int(size * 0.9)
    lw, lh = tw + 2 * pad, th + 2 * pad
    if polarity == "dark-on-light":
        paper = np.array([238, 234, 222], np.float32)
        ink = (25, 25, 35)
    else:
        paper = np.array([30, 40, 60], np.float32)
        ink = (245, 240, 220)
    label = np.ones((lh, lw, 3), np.float32) * paper
    label *= (0.92 + 0.08 * smooth_noise(rng, lw, lh, 50))[..., None]
    label_img = Image.fromarray(label.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(label_img)
    yy = pad
    for line, b in zip(lines, boxes):
        draw.text(((lw - (b[2] - b[0])) // 2 - b[0], yy - b[1]), line, font=font, fill=ink)
        yy += (b[3] - b[1]) + spacing
    mask = Image.new("L", (lw, lh), 255)
    label_img = label_img.rotate(angle, resample=Image.BICUBIC, expand=True)
    mask = mask.rotate(angle, resample=Image.BICUBIC, expand=True)
    if label_img.width > w - 20 or label_img.height > h - 20:
        raise SystemExit(f"{name}: label {label_img.size} does not fit in {w}x{h}")
    bg = Image.fromarray(np.clip(background(rng, w, h, surface), 0, 255).astype(np.uint8), "RGB")
    ox = (w - label_img.width) // 2 + int(rng.integers(-10, 11))
    oy = (h - label_img.height) // 2 + int(rng.integers(-10, 11))
    bg.paste(label_img, (ox, oy), mask)
    return finish(rng, np.asarray(bg, dtype=np.float32))


def scene_photo(name, kind, w=640, h=480):
    """A photo with no text in it."""
    rng = rng_for(name)
    if kind == "mug-on-table":
        img = background(rng, w, h, "wood")
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
        d = ImageDraw.Draw(pil)
        d.ellipse((250, 330, 430, 380), fill=(60, 50, 40))
        d.rectangle((260, 170, 420, 355), fill=(200, 60, 50))
        d.ellipse((260, 150, 420, 195), fill=(120, 30, 25))
        d.ellipse((400, 210, 480, 300), outline=(190, 55, 45), width=16)
        img = np.asarray(pil, dtype=np.float32)
    elif kind == "sky-and-trees":
        y = np.mgrid[0:h, 0:w][0].astype(np.float32)
        sky = np.stack([90 + 80 * y / h, 140 + 60 * y / h, 230 - 20 * y / h], -1)
        leaves = smooth_noise(rng, w, h, 6) * 0.6 + smooth_noise(rng, w, h, 30) * 0.4
        canopy = (y > h * 0.45 + 60 * smooth_noise(rng, w, h, 90)).astype(np.float32)
        green = np.stack([30 + 50 * leaves, 70 + 90 * leaves, 25 + 30 * leaves], -1)
        img = sky * (1 - canopy[..., None]) + green * canopy[..., None]
    elif kind == "striped-shirt":
        x = np.mgrid[0:h, 0:w][1].astype(np.float32)
        stripes = ((x + 15 * smooth_noise(rng, w, h, 100)) // 14 % 2)[..., None]
        folds = 0.7 + 0.4 * smooth_noise(rng, w, h, 70)[..., None]
        img = (stripes * np.array([235, 235, 240]) + (1 - stripes) * np.array([20, 40, 110])) * folds
    elif kind == "gravel":
        fine = smooth_noise(rng, w, h, 3)
        coarse = smooth_noise(rng, w, h, 12)
        g = 60 + 150 * (0.5 * fine + 0.5 * coarse)
        img = np.stack([g, g * 0.95, g * 0.85], -1)
    elif kind == "plain-wall":
        img = background(rng, w, h, "wall")
    elif kind == "keyboard":
        img = np.ones((h, w, 3), np.float32) * np.array([40, 40, 45], np.float32)
        pil = Image.fromarray(img.astype(np.uint8), "RGB")
        d = ImageDraw.Draw(pil)
        for row in range(6):
            for col in range(12):
                x0, y0 = 20 + col * 50, 60 + row * 60
                d.rounded_rectangle((x0, y0, x0 + 42, y0 + 50), radius=6, fill=(210, 210, 215))
        img = np.asarray(pil, dtype=np.float32) * (0.8 + 0.3 * smooth_noise(rng, w, h, 150))[..., None]
    elif kind == "confetti":
        # Letter-sized strokes and arcs on paper: the kind of clutter Tesseract mistakes for text.
        pil = Image.fromarray(np.clip(background(rng, w, h, "counter"), 0, 255).astype(np.uint8), "RGB")
        d = ImageDraw.Draw(pil)
        for _ in range(260):
            x0, y0 = float(rng.uniform(0, w)), float(rng.uniform(0, h))
            s = float(rng.uniform(6, 22))
            color = tuple(int(c) for c in rng.integers(10, 120, 3))
            if rng.random() < 0.5:
                d.line((x0, y0, x0 + rng.uniform(-s, s), y0 + rng.uniform(-s, s)), fill=color, width=int(rng.integers(2, 4)))
            else:
                a = float(rng.uniform(0, 360))
                d.arc((x0, y0, x0 + s, y0 + s), a, a + float(rng.uniform(90, 300)), fill=color, width=int(rng.integers(2, 4)))
        img = np.asarray(pil, dtype=np.float32)
    elif kind == "barcode-and-shelf":
        # Book spines without titles above a barcode: rows of parallel strokes.
        img = np.ones((h, w, 3), np.float32) * np.array([230, 228, 220], np.float32)
        x = 20
        while x < w - 20:
            bw = int(rng.integers(18, 45))
            img[20:250, x:x + bw] = rng.integers(30, 220, 3)
            x += bw + int(rng.integers(1, 4))
        x = 120
        while x < 520:
            bw = int(rng.integers(1, 5))
            img[300:420, x:x + bw] = 15
            x += bw + int(rng.integers(1, 5))
    else:
        raise ValueError(kind)
    return finish(rng, img)


def camera(rng, img, gain=1.0, sharpen=0.8):
    """A phone camera's pipeline on a scene (H, W, 3) float32: lens softness, shot noise that
    grows with the signal and with `gain` (ISO), read noise, colour noise, the camera's own
    unsharp mask, then 8 bits. Real photos are noisy in the dark and sharpened everywhere."""
    h, w = img.shape[:2]
    pil = Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(0.6))
    a = np.asarray(pil, dtype=np.float32)
    lin = to_linear(a) * 255.0
    shot = rng.normal(0, 1, a.shape) * np.sqrt(np.maximum(lin, 0) * 0.35 * gain)
    read = rng.normal(0, 1.2 * gain, a.shape)
    chroma = rng.normal(0, 0.8 * gain, (h, w, 1)) * np.array([1.0, -0.6, 0.9], np.float32)
    noisy = to_srgb((lin + shot + read + chroma) / 255.0)
    pil = Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8), "RGB")
    if sharpen > 0:
        pil = pil.filter(ImageFilter.UnsharpMask(radius=1.5, percent=int(100 * sharpen), threshold=2))
    return pil


def camera_scene(name, kind, w=640, h=480):
    """The scene (before the camera) of a photo taken with `camera`: float32 (H, W, 3)."""
    rng = rng_for(name + "-scene")
    if kind == "dim-shelf":
        # A dim cupboard: plain boxes and tins on a shelf, little texture, lit from the left.
        img = np.ones((h, w, 3), np.float32) * np.array([70, 62, 52], np.float32)
        pil = Image.fromarray(img.astype(np.uint8), "RGB")
        d = ImageDraw.Draw(pil)
        d.rectangle((0, 360, w, 380), fill=(95, 80, 60))
        d.rectangle((60, 140, 200, 360), fill=(120, 110, 90))
        d.rectangle((230, 200, 330, 360), fill=(60, 85, 110))
        d.ellipse((230, 190, 330, 215), fill=(90, 110, 130))
        d.rectangle((360, 100, 460, 360), fill=(140, 70, 60))
        d.rectangle((490, 230, 600, 360), fill=(100, 115, 80))
        img = np.asarray(pil, dtype=np.float32)
        img = img * (0.85 + 0.15 * smooth_noise(rng, w, h, 90))[..., None]
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        return img * (0.55 + 0.45 * (1 - x / w))[..., None]
    if kind == "letter":
        img = background(rng, w, h, "wood")
        font = ImageFont.truetype(FONTS["LiberationSerif"], 17)
        page = Image.new("RGB", (470, 210), (236, 233, 225))
        d = ImageDraw.Draw(page)
        for i, line in enumerate(LETTER):
            d.text((18, 14 + i * 31), line, font=font, fill=(20, 20, 30))
        page = page.rotate(1.5, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
        mask = Image.new("L", (470, 210), 255).rotate(1.5, resample=Image.BICUBIC, expand=True)
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
        pil.paste(page, ((w - page.width) // 2, (h - page.height) // 2), mask)
        return np.asarray(pil, dtype=np.float32)
    raise ValueError(kind)


def motion_blur(a, length, angle):
    """Blur (H, W, 3) by a straight movement of `length` pixels at `angle` degrees (0 is
    horizontal, counterclockwise), with an antialiased line kernel and FFT convolution."""
    h, w = a.shape[:2]
    s = 8
    size = (int(length) + 3) | 1
    k = Image.new("L", (size * s, size * s), 0)
    c = size * s / 2
    dx, dy = math.cos(math.radians(angle)) * length * s / 2, -math.sin(math.radians(angle)) * length * s / 2
    ImageDraw.Draw(k).line((c - dx, c - dy, c + dx, c + dy), fill=255, width=s)
    kernel = np.asarray(k.reduce(s), dtype=np.float64)
    kernel /= kernel.sum()
    pad = size
    out = np.empty_like(a)
    kp = np.zeros((h + 2 * pad, w + 2 * pad))
    kp[:size, :size] = kernel
    kp = np.roll(kp, (-(size // 2), -(size // 2)), axis=(0, 1))
    kf = np.fft.rfft2(kp)
    for ch in range(a.shape[2]):
        padded = np.pad(a[..., ch].astype(np.float64), pad, mode="edge")
        out[..., ch] = np.fft.irfft2(np.fft.rfft2(padded) * kf, padded.shape)[pad:pad + h, pad:pad + w]
    return out


# MARK: degradations, all in linear light where light is concerned

def to_linear(a):
    return (a / 255.0) ** 2.2


def to_srgb(a):
    return np.clip(a, 0, 1) ** (1 / 2.2) * 255.0


def degrade(name, img, kind, amount):
    rng = rng_for(name)
    a = np.asarray(img, dtype=np.float32)
    if kind == "blur":
        out = np.asarray(img.filter(ImageFilter.GaussianBlur(amount)), dtype=np.float32)
        # The sensor adds its noise after the optics blurred the scene.
        out = out + rng.normal(0, 2.0, a.shape)
    elif kind == "motion":
        length, angle = amount
        out = motion_blur(a, length, angle) + rng.normal(0, 2.0, a.shape)
    elif kind == "shake":
        # Camera shake: the average of the frame shifted along a short diagonal path.
        acc = np.zeros_like(a)
        steps = int(amount)
        for i in range(steps):
            dx, dy = i - steps // 2, (i - steps // 2) // 2
            acc += np.roll(np.roll(a, dy, axis=0), dx, axis=1)
        out = acc / steps + rng.normal(0, 2.0, a.shape)
    elif kind == "exposure":
        # Exposure change by `amount` stops, then the sensor noise that a dark frame amplifies.
        out = to_srgb(to_linear(a) * (2.0 ** amount))
        out = out + rng.normal(0, 2.0, a.shape)
    elif kind == "fog":
        # Glare or a smudged lens: contrast squeezed toward a bright veil.
        out = a * amount + 200 * (1 - amount)
    elif kind == "covered":
        # A finger over the lens: almost no light, a reddish glow, no detail.
        glow = np.asarray(img.filter(ImageFilter.GaussianBlur(60)), dtype=np.float32).mean(-1)
        base = glow[..., None] * amount * np.array([1.0, 0.45, 0.35], np.float32)
        out = base + rng.normal(0, 1.5, a.shape)
    else:
        raise ValueError(kind)
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB")


def tag_for(kind, amount):
    """File name part for a degradation: blur2_5, exposurem3_5, motion12a120."""
    if kind == "motion":
        return f"motion{amount[0]}a{amount[1]}"
    return f"{kind}{amount:g}".replace("-", "m").replace(".", "_")


def quality_entry(rel, src, kind, amount, flags, optional):
    entry = {"file": rel, "source": src, "degradation": kind, "qualityFlags": flags, "optionalFlags": optional}
    if kind == "motion":
        entry["amount"], entry["angle"] = amount
    else:
        entry["amount"] = amount
    return entry


def save(img, rel, fmt, quality=88):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if fmt == "jpeg":
        img.save(path, "JPEG", quality=quality, optimize=True)
    else:
        img.save(path, "PNG", optimize=True)


def main():
    for f in FONTS.values():
        if not os.path.exists(f):
            raise SystemExit(f"missing font {f}: apt-get install -y fonts-dejavu-core fonts-liberation fonts-freefont-ttf")
    manifest = {"generator": "scripts/make_analysis_fixtures.py", "text": [], "notext": [], "quality": []}

    # name, sentence index, font, pixel size, angle, polarity, surface, format
    text_specs = [
        ("soup-sans-32", 0, "DejaVuSans", 32, 0, "dark-on-light", "wood", "jpeg"),
        ("fridge-serif-24", 1, "LiberationSerif", 24, 0, "dark-on-light", "counter", "jpeg"),
        ("tablets-sans-20", 2, "FreeSans", 20, 0, "dark-on-light", "fabric", "jpeg"),
        ("form-mono-22", 3, "DejaVuSansMono", 22, 2, "dark-on-light", "wood", "jpeg"),
        ("juice-bold-44", 4, "LiberationSans-Bold", 44, -4, "light-on-dark", "counter", "jpeg"),
        ("floor-serifbold-48", 5, "DejaVuSerif-Bold", 48, 6, "light-on-dark", "wall", "jpeg"),
        ("button-freeserif-26", 6, "FreeSerif", 26, -7, "dark-on-light", "fabric", "jpeg"),
        ("rice-sans-36-rot90", 7, "DejaVuSans", 36, 90, "dark-on-light", "wood", "jpeg"),
        ("library-serif-30-rot180", 8, "LiberationSerif", 30, 180, "dark-on-light", "counter", "jpeg"),
        ("cookies-bold-28-rot270", 9, "LiberationSans-Bold", 28, 270, "light-on-dark", "fabric", "jpeg"),
        ("dishwasher-freesans-40-light", 10, "FreeSans", 40, 3, "light-on-dark", "wood", "jpeg"),
        ("appointment-serif-18", 11, "DejaVuSerif-Bold", 18, 0, "dark-on-light", "wall", "png"),
        # Labels held at a slant, as blind users hold them: the reader must deskew them.
        ("tilt-sans-30-p4", 12, "DejaVuSans", 30, 4, "dark-on-light", "wood", "jpeg"),
        ("tilt-serif-32-m4", 13, "LiberationSerif", 32, -4, "light-on-dark", "counter", "jpeg"),
        ("tilt-bold-36-p8", 14, "LiberationSans-Bold", 36, 8, "light-on-dark", "fabric", "jpeg"),
        ("tilt-freeserif-30-m8", 15, "FreeSerif", 30, -8, "dark-on-light", "wall", "jpeg"),
        ("tilt-mono-24-p12", 16, "DejaVuSansMono", 24, 12, "dark-on-light", "counter", "jpeg"),
        ("tilt-serifbold-34-m12", 17, "DejaVuSerif-Bold", 34, -12, "light-on-dark", "wood", "jpeg"),
        ("tilt-freesans-32-p15", 18, "FreeSans", 32, 15, "light-on-dark", "wall", "jpeg"),
        ("tilt-sans-28-m15", 19, "DejaVuSans", 28, -15, "dark-on-light", "fabric", "jpeg"),
        ("tilt-bold-30-m3", 20, "LiberationSans-Bold", 30, -3, "dark-on-light", "wood", "jpeg"),
    ]
    for name, si, font, size, angle, polarity, surface, fmt in text_specs:
        # Sideways text comes from a portrait photo whose orientation tag was lost.
        w, h = (480, 640) if angle in (90, 270) else (640, 480)
        img = text_photo(name, SENTENCES[si], font, size, angle, polarity, surface, w, h)
        rel = f"text/{name}.{'jpg' if fmt == 'jpeg' else 'png'}"
        save(img, rel, fmt)
        manifest["text"].append({"file": rel, "lines": SENTENCES[si], "font": font, "size": size,
                                 "angle": angle, "polarity": polarity, "surface": surface,
                                 "qualityFlags": []})

    # A large photo for timing; the text is the same as soup-sans-32, scaled with the frame.
    big = text_photo("large-soup-sans-80", SENTENCES[0], "DejaVuSans", 80, 0, "dark-on-light",
                     "wood", w=1600, h=1200)
    save(big, "text/large-soup-sans-80.jpg", "jpeg")
    manifest["text"].append({"file": "text/large-soup-sans-80.jpg", "lines": SENTENCES[0],
                             "font": "DejaVuSans", "size": 80, "angle": 0,
                             "polarity": "dark-on-light", "surface": "wood", "qualityFlags": []})

    # A large tilted photo for timing the deskew.
    big = text_photo("large-tilt-serif-64-m8", SENTENCES[13], "LiberationSerif", 64, -8, "light-on-dark",
                     "counter", w=1600, h=1200)
    save(big, "text/large-tilt-serif-64-m8.jpg", "jpeg")
    manifest["text"].append({"file": "text/large-tilt-serif-64-m8.jpg", "lines": SENTENCES[13],
                             "font": "LiberationSerif", "size": 64, "angle": -8,
                             "polarity": "light-on-dark", "surface": "counter", "qualityFlags": []})

    scenes = ["mug-on-table", "sky-and-trees", "striped-shirt", "gravel", "plain-wall", "keyboard",
              "confetti", "barcode-and-shelf"]
    clean = {}
    for kind in scenes:
        img = scene_photo(kind, kind)
        rel = f"notext/{kind}.jpg"
        save(img, rel, "jpeg")
        clean[kind] = img
        manifest["notext"].append({"file": rel, "qualityFlags": []})

    sources = {
        "soup": text_photo("soup-sans-32", SENTENCES[0], "DejaVuSans", 32, 0, "dark-on-light", "wood"),
        "juice": text_photo("juice-bold-44", SENTENCES[4], "LiberationSans-Bold", 44, -4, "light-on-dark", "counter"),
        "mug": clean["mug-on-table"],
        "trees": clean["sky-and-trees"],
    }
    # kind, amount, expected flags; "optional" flags are borderline and only reported.
    degradations = [
        ("blur", 1.0, [], ["blurry"]),
        ("blur", 2.5, ["blurry"], []),
        ("blur", 5.0, ["blurry"], ["lowContrast"]),
        ("shake", 9, ["blurry"], []),
        ("shake", 17, ["blurry"], []),
        ("exposure", -1.0, [], ["dark"]),
        ("exposure", -3.5, ["dark"], ["lowContrast", "blurry"]),
        ("exposure", -5.5, ["dark"], ["lowContrast", "blurry"]),
        # +2 stops only blows out photos that were well exposed; a dim one comes out right.
        ("exposure", 2.0, [], ["bright", "lowContrast"]),
        ("exposure", 3.0, ["bright"], ["lowContrast", "blurry"]),
        ("fog", 0.18, ["lowContrast"], []),
        ("covered", 0.08, ["covered"], []),
        # Straight camera movement at several lengths and directions: (length, angle).
        ("motion", (6, 45), [], ["blurry"]),
        ("motion", (12, 0), ["blurry"], []),
        ("motion", (20, 120), ["blurry"], []),
    ]
    for src, img in sources.items():
        for kind, amount, flags, optional in degradations:
            name = f"{src}-{tag_for(kind, amount)}"
            rel = f"quality/{name}.jpg"
            save(degrade(name, img, kind, amount), rel, "jpeg")
            manifest["quality"].append(quality_entry(rel, src, kind, amount, flags, optional))

    # Photos through a camera pipeline (signal-dependent noise, the camera's sharpening): a dim,
    # plain cupboard at high gain and a letter of small print. The optics blur the scene
    # before the sensor adds its noise and the camera sharpens it.
    camera_sources = {"shelf": ("dim-shelf", 3.0), "letter": ("letter", 1.0)}
    camera_degradations = [
        (None, 0, [], []),
        ("blur", 2.5, ["blurry"], []),
        ("blur", 5.0, ["blurry"], ["lowContrast"]),
        ("motion", (6, 135), [], ["blurry"]),
        ("motion", (10, 0), ["blurry"], []),
        ("motion", (16, 90), ["blurry"], []),
        ("motion", (24, 30), ["blurry"], []),
    ]
    for src, (kind_of_scene, gain) in camera_sources.items():
        scene = camera_scene(src, kind_of_scene)
        for kind, amount, flags, optional in camera_degradations:
            name = f"{src}-camera" if kind is None else f"{src}-{tag_for(kind, amount)}"
            if kind == "blur":
                pil = Image.fromarray(np.clip(scene + 0.5, 0, 255).astype(np.uint8), "RGB")
                optics = np.asarray(pil.filter(ImageFilter.GaussianBlur(amount)), dtype=np.float32)
            elif kind == "motion":
                optics = motion_blur(scene, *amount)
            else:
                optics = scene
            rel = f"quality/{name}.jpg"
            save(camera(rng_for(name), optics, gain=gain), rel, "jpeg", quality=80)
            manifest["quality"].append(quality_entry(rel, src, kind or "none", amount, flags, optional))

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
