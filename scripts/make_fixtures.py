#!/opt/ref/bin/python
"""Builds every file under Tests/Fixtures from the pinned reference stack.

The Swift engine is correct when it reproduces what Hugging Face transformers does on PyTorch.
This script makes that reference concrete: synthetic test photos (and broken files), the upright
RGB that `transformers.image_utils.load_image` decodes from each, a byte-level BPE tokenizer in
GPT-2's on-disk format with encode/decode cases, small random-weight `VisionEncoderDecoderModel`
checkpoints in the hub's layout, and every intermediate and final output the engine must match.

CI never runs this (it has no PyTorch); its outputs are committed. Every run with the same pinned
versions writes the same bytes (fixed seeds, no timestamps).

    scripts/make_fixtures.py [all] [--out Tests/Fixtures]
    scripts/make_fixtures.py images [--out Tests/Fixtures]      # images/, bad/, decoded RGB only
    scripts/make_fixtures.py heldout --out DIR --seed N --format safetensors|bin [--images IMG ...]
        # a model dir the tests never see, with DIR/expected.json (greedy and beam results)

Requirements: scripts/fixtures-requirements.txt (the reference environment is /opt/ref).
"""

import argparse
import hashlib
import io
import json
import shutil
import struct
import sys
import zlib
from pathlib import Path

PINNED = {
    "transformers": "4.40.2",
    "torch": "1.13.",  # Debian's 1.13.1 reports itself as 1.13.0a0+gitunknown
    "tokenizers": "0.19.1",
    "PIL": "9.4.0",
    "numpy": "1.24.",
    "safetensors": "0.",
}


def check_versions():
    """Refuses to run on any stack but the pinned one: the fixtures define correctness."""
    import importlib

    found, bad = {}, []
    for name, want in PINNED.items():
        try:
            have = importlib.import_module(name).__version__
        except ImportError:
            have = "not installed"
        found[name] = have
        ok = have.startswith(want) if want.endswith(".") else have == want
        if not ok:
            bad.append(f"{name} {have} (need {want}{'*' if want.endswith('.') else ''})")
    if bad:
        sys.exit("make_fixtures.py: refusing to run with unpinned versions: " + ", ".join(bad)
                 + "\nUse /opt/ref/bin/python or install scripts/fixtures-requirements.txt.")
    return found


REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "Tests" / "Fixtures"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_bytes(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=False) + "\n",
                    encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------

def photo(w, h, seed):
    """A synthetic outdoor-ish scene: sky/ground gradients, an off-centre sun, a house, a tree,
    an "F"-shaped sign and noise. Nothing is symmetric, so a wrong flip or rotation changes pixels
    everywhere and is easy to see."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = xx / max(w - 1, 1), yy / max(h - 1, 1)
    horizon = 0.55 + 0.1 * (u - 0.5) + 0.05 * rng.uniform(-1, 1)
    sky_top = rng.uniform([20, 60, 140], [70, 120, 220])
    sky_low = rng.uniform([150, 180, 220], [210, 230, 255])
    ground_a = rng.uniform([40, 90, 20], [90, 150, 60])
    ground_b = rng.uniform([110, 80, 40], [160, 120, 70])
    img = np.zeros((h, w, 3))
    t_sky = np.clip(v / horizon, 0, 1)[..., None]
    sky = sky_top * (1 - t_sky) + sky_low * t_sky
    t_gr = np.clip((v - horizon) / (1 - horizon + 1e-9), 0, 1)[..., None]
    ground = ground_a * (1 - t_gr) + ground_b * t_gr + 25 * (u[..., None] - 0.5)
    img = np.where((v < horizon)[..., None], sky, ground)
    # Low-frequency texture: a bilinearly upsampled coarse random field.
    coarse = rng.normal(0, 12, (6, 8, 3))
    tex = Image.fromarray(np.uint8(np.clip(coarse + 128, 0, 255)), "RGB").resize(
        (w, h), Image.BILINEAR)
    img = img + (np.asarray(tex, dtype=np.float64) - 128)
    base = Image.fromarray(np.uint8(np.clip(img, 0, 255)), "RGB")

    d = ImageDraw.Draw(base)
    s = min(w, h)
    # Sun, upper left third.
    cx, cy, r = w * rng.uniform(0.12, 0.3), h * rng.uniform(0.1, 0.25), s * 0.09
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 226, 90))
    # House, right of centre, on the ground.
    hx0, hy1 = w * rng.uniform(0.55, 0.62), h * (horizon.mean() + 0.2)
    hw, hh = w * 0.25, h * 0.22
    wall = tuple(int(c) for c in rng.randint(150, 240, 3))
    d.rectangle([hx0, hy1 - hh, hx0 + hw, hy1], fill=wall)
    d.polygon([(hx0 - hw * 0.08, hy1 - hh), (hx0 + hw * 0.7, hy1 - hh * 1.8),
               (hx0 + hw * 1.08, hy1 - hh)], fill=(150, 40, 30))
    d.rectangle([hx0 + hw * 0.15, hy1 - hh * 0.6, hx0 + hw * 0.35, hy1], fill=(70, 45, 25))
    d.rectangle([hx0 + hw * 0.55, hy1 - hh * 0.75, hx0 + hw * 0.85, hy1 - hh * 0.4],
                fill=(170, 210, 240))
    # Tree, left, trunk and an off-centre crown.
    tx, ty = w * 0.2, h * (horizon.mean() + 0.25)
    d.rectangle([tx - s * 0.02, ty - s * 0.25, tx + s * 0.02, ty], fill=(90, 60, 30))
    d.ellipse([tx - s * 0.13, ty - s * 0.42, tx + s * 0.09, ty - s * 0.2], fill=(30, 110, 40))
    # An "F" sign near the bottom left: reads wrong under any flip or rotation.
    fx, fy, fs = w * 0.05, h * 0.68, s * 0.22
    d.rectangle([fx, fy, fx + fs * 0.18, fy + fs], fill=(245, 245, 245))
    d.rectangle([fx, fy, fx + fs * 0.7, fy + fs * 0.18], fill=(245, 245, 245))
    d.rectangle([fx, fy + fs * 0.4, fx + fs * 0.5, fy + fs * 0.55], fill=(245, 245, 245))
    # Red marker in the top right corner, blue band along the bottom edge.
    d.rectangle([w - max(3, w // 10), 0, w - 1, max(3, h // 10)], fill=(230, 20, 20))
    d.rectangle([0, h - max(2, h // 25), w * 0.6, h - 1], fill=(20, 40, 200))

    base = base.filter(ImageFilter.GaussianBlur(0.7))
    arr = np.asarray(base, dtype=np.float64) + rng.normal(0, 5, (h, w, 3))
    return Image.fromarray(np.uint8(np.clip(np.round(arr), 0, 255)), "RGB")


def png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png_rgb16(arr16):
    """A 16-bit-per-channel RGB PNG written chunk by chunk (Pillow cannot write one). Rows cycle
    through all five filter types so a decoder's unfiltering is exercised at 6 bytes/pixel."""
    import numpy as np

    h, w, _ = arr16.shape
    raw = arr16.astype(">u2").tobytes()
    stride, bpp = w * 6, 6
    rows = [raw[y * stride:(y + 1) * stride] for y in range(h)]
    out = bytearray()
    prev = bytes(stride)
    for y, row in enumerate(rows):
        ftype = y % 5
        f = bytearray(stride)
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[ftype]
            f[i] = (row[i] - pred) & 0xFF
        out.append(ftype)
        out += f
        prev = row
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(bytes(out), 9)) + png_chunk(b"IEND", b""))


def exif_bytes(orientation):
    from PIL import Image

    ex = Image.Exif()
    ex[0x0112] = orientation
    return ex.tobytes()


def make_images(out):
    """Writes images/ and expected/decoded/, returns the manifest's image entries."""
    import numpy as np
    from PIL import Image
    from transformers.image_utils import load_image

    img_dir = out / "images"
    dec_dir = out / "expected" / "decoded"
    for d in (img_dir, dec_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)

    entries = []

    def add(name, data, exercises, **extra):
        write_bytes(img_dir / name, data)
        entries.append(dict(file=f"images/{name}", exercises=exercises, **extra))

    def jpeg(im, **kw):
        buf = io.BytesIO()
        im.save(buf, "JPEG", **kw)
        return buf.getvalue()

    def png(im, **kw):
        buf = io.BytesIO()
        im.save(buf, "PNG", **kw)
        return buf.getvalue()

    add("jpeg-q95-444.jpg", jpeg(photo(320, 240, 1), quality=95, subsampling=0),
        "baseline JPEG, quality 95, 4:4:4 (no chroma subsampling)")
    add("jpeg-q75-420.jpg", jpeg(photo(300, 200, 2), quality=75, subsampling=2),
        "baseline JPEG, quality 75, 4:2:0 chroma subsampling (fancy upsampling matters)")
    add("jpeg-q30-420.jpg", jpeg(photo(256, 192, 3), quality=30, subsampling=2),
        "baseline JPEG, quality 30 (heavy quantisation), 4:2:0")
    add("jpeg-q75-422.jpg", jpeg(photo(248, 186, 4), quality=75, subsampling=1),
        "baseline JPEG, 4:2:2 chroma subsampling, width and height not multiples of 16")
    add("jpeg-progressive.jpg", jpeg(photo(280, 210, 5), quality=85, progressive=True),
        "progressive JPEG, quality 85, 4:2:0")
    add("jpeg-gray.jpg", jpeg(photo(200, 160, 6).convert("L"), quality=90),
        "grayscale (1-component) JPEG; convert('RGB') replicates the channel")
    add("jpeg-cmyk.jpg", jpeg(photo(240, 180, 7).convert("CMYK"), quality=90),
        "CMYK JPEG with an Adobe APP14 marker (inverted CMYK as Pillow/Photoshop write it); "
        "Pillow 9.4 converts CMYK->RGB as R = (255-K) - MULDIV255(C, 255-K) (not 255-C-K), "
        "where MULDIV255(a, b) = (t + (t >> 8)) >> 8 with t = a*b + 128")
    # Same photo for every orientation: the raw pixels are stored sideways/flipped so that
    # applying the tag gives back the same upright 240x160 picture.
    upright = photo(240, 160, 8)
    inverse = {1: None, 2: Image.FLIP_LEFT_RIGHT, 3: Image.ROTATE_180, 4: Image.FLIP_TOP_BOTTOM,
               5: Image.TRANSPOSE, 6: Image.ROTATE_90, 7: Image.TRANSVERSE, 8: Image.ROTATE_270}
    for o in range(1, 9):
        raw = upright if inverse[o] is None else upright.transpose(inverse[o])
        add(f"exif-{o}.jpg", jpeg(raw, quality=92, exif=exif_bytes(o)),
            f"JPEG with EXIF Orientation={o} (stored {raw.size[0]}x{raw.size[1]}); upright "
            f"result is the same 240x160 scene for every orientation",
            exif_orientation=o)
    pe = photo(180, 120, 9)
    add("png-exif-6.png", png(pe.transpose(Image.ROTATE_90), exif=exif_bytes(6)),
        "RGB PNG with an eXIf chunk (before IDAT) holding Orientation=6; Pillow 9.4 reads it in "
        "getexif() and exif_transpose rotates it (stored 120x180, upright 180x120)",
        exif_orientation=6)
    add("png-rgb.png", png(photo(320, 200, 10)), "8-bit RGB PNG")
    rgba = np.asarray(photo(260, 180, 11)).copy()
    yy, xx = np.mgrid[0:180, 0:260]
    alpha = np.clip(255 * (xx / 259.0) * (0.3 + 0.7 * yy / 179.0), 0, 255).astype(np.uint8)
    alpha[:40, :60] = 0
    rgba = np.dstack([rgba, alpha])
    rgba[:40, :60, :3] = (250, 0, 250)  # colour under fully transparent pixels is kept
    add("png-rgba.png", png(Image.fromarray(rgba, "RGBA")),
        "8-bit RGBA PNG with varying alpha; convert('RGB') DROPS alpha (no compositing), so the "
        "magenta under the fully transparent top-left block must survive")
    add("png-gray.png", png(photo(200, 150, 12).convert("L")), "8-bit grayscale (L) PNG")
    la = np.asarray(photo(180, 240, 13).convert("L"))
    la_alpha = np.tile(np.linspace(0, 255, 180).astype(np.uint8), (240, 1))
    add("png-la.png", png(Image.fromarray(np.dstack([la, la_alpha]), "LA")),
        "gray+alpha (LA) PNG, portrait 180x240; alpha dropped")
    pal = photo(220, 160, 14).quantize(48, method=Image.MEDIANCUT)
    trns = bytes([0 if i % 7 == 0 else (128 if i % 7 == 3 else 255) for i in range(48)])
    add("png-palette-trns.png", png(pal, transparency=trns),
        "palette (P) PNG, 48 colours, tRNS gives some entries alpha 0/128; convert('RGB') uses "
        "the palette colours and ignores tRNS")
    g = np.asarray(photo(240, 180, 15).convert("L"), dtype=np.float64)
    ramp = np.tile(np.linspace(0, 1, 240), (180, 1))
    g16 = np.clip(g * (0.3 + 2.2 * ramp) + 1000 * (ramp > 0.8) * ramp, 0, 65535).astype(np.uint16)
    add("png-gray16.png", png(Image.fromarray(g16, "I;16")),
        "16-bit grayscale PNG; Pillow 9.4 opens it as mode 'I' and convert('RGB') CLIPS each "
        "value to 255 (it does not scale by 257): left part keeps detail, right part is white",
        note="values range 0..%d" % int(g16.max()))
    c16 = np.asarray(photo(200, 140, 16), dtype=np.uint32) * 257
    rng = np.random.RandomState(16)
    c16 = np.clip(c16 + rng.randint(-128, 128, c16.shape), 0, 65535).astype(np.uint16)
    add("png-rgb16.png", png_rgb16(c16),
        "16-bit RGB PNG written by hand (rows cycle filter types 0-4); Pillow keeps the HIGH byte "
        "of each sample (rawmode RGB;16B)")
    add("jpeg-odd-97x55.jpg", jpeg(photo(97, 55, 17), quality=88, subsampling=2),
        "odd-sized 97x55 JPEG, 4:2:0 (partial MCUs on both edges)")
    add("png-odd-97x55.png", png(photo(97, 55, 18)), "odd-sized 97x55 RGB PNG")
    tiny = photo(64, 64, 19).resize((8, 8), Image.BOX)
    add("png-tiny-8x8.png", png(tiny), "tiny 8x8 RGB PNG (upscaled by every preprocessor)")
    add("jpeg-tiny-8x8.jpg", jpeg(tiny, quality=95), "tiny 8x8 JPEG (a single 4:2:0 MCU, cropped)")
    add("jpeg-large-400x300.jpg", jpeg(photo(400, 300, 20), quality=80),
        "largest test photo, 400x300 JPEG quality 80")

    stems = [Path(e["file"]).stem for e in entries]
    assert len(set(stems)) == len(stems), "image stems must be unique"
    for e in entries:
        path = out / e["file"]
        data = path.read_bytes()
        with Image.open(path) as im:
            e["format"] = im.format
            e["pillow_mode"] = im.mode
            e["stored_size"] = list(im.size)
            if im.format == "JPEG":
                e["progressive"] = bool(im.info.get("progressive") or im.info.get("progression"))
                from PIL import JpegImagePlugin
                e["jpeg_subsampling"] = {-1: None, 0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}[
                    JpegImagePlugin.get_sampling(im)]
            orient = im.getexif().get(0x0112)
            e["exif_orientation"] = orient
        up = load_image(str(path))
        assert up.mode == "RGB"
        stem = Path(e["file"]).stem
        rgb = np.asarray(up, dtype=np.uint8)
        write_bytes(dec_dir / f"{stem}.rgb", rgb.tobytes())
        e["stem"] = stem
        e["bytes"] = len(data)
        e["sha256"] = sha256(data)
        e["decoded"] = {"file": f"expected/decoded/{stem}.rgb", "width": up.size[0],
                        "height": up.size[1], "layout": "interleaved RGB8, row-major, upright",
                        "sha256": sha256(rgb.tobytes())}

    # Every orientation must decode to the same upright scene size.
    for e in entries:
        if e["stem"].startswith("exif-"):
            assert (e["decoded"]["width"], e["decoded"]["height"]) == (240, 160), e
    pe_entry = next(e for e in entries if e["stem"] == "png-exif-6")
    assert (pe_entry["decoded"]["width"], pe_entry["decoded"]["height"]) == (180, 120)
    return entries


def make_bad(out):
    """Broken inputs the decoder must reject with a clear error, and what Pillow says of each."""
    import numpy as np
    from PIL import Image
    from transformers.image_utils import load_image

    bad = out / "bad"
    if bad.exists():
        shutil.rmtree(bad)
    bad.mkdir(parents=True)
    entries = []

    buf = io.BytesIO()
    photo(240, 160, 30).save(buf, "JPEG", quality=90)
    good = buf.getvalue()
    rng = np.random.RandomState(31)
    rand = rng.randint(0, 256, 4096).astype(np.uint8).tobytes()
    if rand[:2] == b"\xff\xd8" or rand[:4] == b"\x89PNG":
        raise RuntimeError("random bytes happen to look like an image; change the seed")

    # A 1x1 JPEG whose SOF0 claims 60000x60000; the scan data is the 1x1 image's.
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (90, 120, 200)).save(buf, "JPEG", quality=90)
    jpg = bytearray(buf.getvalue())
    sof = jpg.index(b"\xff\xc0")
    struct.pack_into(">HH", jpg, sof + 5, 60000, 60000)

    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    huge_png = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
                + png_chunk(b"IDAT", zlib.compress(bytes(64), 9)) + png_chunk(b"IEND", b""))

    files = [
        ("truncated.jpg", good[:len(good) // 2],
         "a real 240x160 baseline JPEG cut after half its bytes (no EOI)"),
        ("random.bin", rand, "4096 random bytes"),
        ("random.jpg", rand, "the same random bytes named .jpg"),
        ("garbage-after-soi.jpg", b"\xff\xd8\xff" + rand[:1021],
         "a JPEG SOI marker followed by random bytes"),
        ("empty.jpg", b"", "0 bytes"),
        ("huge-header.jpg", bytes(jpg),
         "tiny JPEG whose SOF0 header claims 60000x60000 (3.6 gigapixels)"),
        ("huge-header.png", huge_png,
         "tiny PNG whose IHDR claims 60000x60000 RGB8 (valid CRCs, a few bytes of IDAT)"),
        ("not-an-image.txt", b"This is a shopping list, not a photo.\nmilk\nbread\n",
         "plain text"),
    ]
    for name, data, what in files:
        write_bytes(bad / name, data)
        path = bad / name
        e = {"file": f"bad/{name}", "what": what, "bytes": len(data), "sha256": sha256(data)}
        try:
            with Image.open(path) as im:
                e["pillow_open"] = f"ok: {im.format} {im.mode} {im.size[0]}x{im.size[1]}"
        except Exception as err:  # record whatever Pillow raises
            e["pillow_open"] = f"{type(err).__name__}: {err}"
        try:
            im = load_image(str(path))
            e["load_image"] = f"ok: {im.size[0]}x{im.size[1]}"
        except Exception as err:
            e["load_image"] = f"{type(err).__name__}: {err}"
        e["pillow_open"] = e["pillow_open"].replace(str(out) + "/", "")
        e["load_image"] = e["load_image"].replace(str(out) + "/", "")
        entries.append(e)
    return entries


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

EOS = "<|endoftext|>"
TOKENIZER_VOCAB = 1200  # including <|endoftext|>, which takes the last id as in GPT-2

SUBJECTS = ["a man", "a woman", "a child", "a dog", "a cat", "two people", "a group of people",
            "an old man", "a young girl", "a boy", "a person", "a bottle", "a can of soup",
            "a box of cereal", "a computer screen", "a keyboard", "a remote control", "a phone",
            "a cup of coffee", "a plate of food", "a red car", "a white truck", "a bus", "a train",
            "a bicycle", "a bird", "a horse", "a laptop", "a book", "a bag", "a chair", "a table",
            "a door", "a window", "a street sign", "a package", "a jar of jam", "a carton of milk"]
VERBS = ["is sitting on", "is standing next to", "is lying on", "is holding", "is walking down",
         "is parked in front of", "is on top of", "is in", "is near", "is looking at",
         "is riding", "is playing with", "is eating", "is reading", "is leaning against"]
PLACES = ["a table", "the street", "a kitchen counter", "a wooden floor", "the grass",
          "a white background", "a bed", "a couch", "the sidewalk", "a shelf", "the beach",
          "a snowy field", "a desk", "a parking lot", "a busy road", "the ocean", "a park bench"]
ADJECTIVES = ["blurry", "dark", "bright", "small", "large", "blue", "green", "yellow", "black",
              "white", "red", "brown", "old", "new", "empty", "full", "open", "closed"]
EXTRA = [
    "The image is too blurry to see what it is.",
    "It's a photo of a kitchen; there's a kettle on the stove.",
    "I can't tell what this is, it's too dark.",
    "They're waiting for the bus, aren't they?",
    "We've got 3 apples, 12 oranges and 100 grapes.",
    "She'll be here at 10:30 on 2024-05-17.",
    "He'd said \"hello\" twice... then left!",
    "Price: $4.99 (50% off) - 2 for 1 @ the store #deal",
    "Le café est fermé à côté de l'hôtel; où est la gare?",
    "Über den Wolken müssen die Grenzen wohl grenzenlos sein. Straße, Fußgänger.",
    "El niño pequeño está comiendo una manzana en la cocina.",
    "A água está fria e o pão é fresco, não é?",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Красная машина стоит на улице возле дома.",
    "Η γάτα κάθεται στο τραπέζι.",
    "一只猫坐在桌子上。这是一张照片。",
    "東京の駅で電車を待っています。ありがとうございます。",
    "맛있는 음식이 식탁 위에 있습니다.",
    "مرحبا بالعالم، هذه صورة.",
    "שלום עולם",
    "नमस्ते दुनिया",
    "I love this 😀😃😄 so much 👍🏽 🎉🎉",
    "Family: 👨‍👩‍👧‍👦 and flags 🇫🇷 🇯🇵 🇺🇸 and hearts ❤️ 💙",
    "tabs\tand\tnewlines\nare\n\nwhitespace   too",
    "A close-up photograph of a medicine label that reads: take two tablets daily with water.",
    "The package says best before March, keep refrigerated after opening.",
    "Someone is holding a banknote of twenty dollars in front of a laptop keyboard.",
    "There are several buildings, trees and clouds in the sky behind the fence.",
    "Die Katze schläft auf dem Sofa neben dem Fenster, während es draußen regnet.",
    "La niña lleva un vestido amarillo y sostiene un globo rojo en el parque.",
    "Мальчик читает книгу за столом, а собака спит на полу.",
    "公園のベンチに座っている女性が本を読んでいます。",
    "一个男人在厨房里做饭，桌子上有很多蔬菜和水果。",
]


def tokenizer_corpus():
    """Caption-like English plus some multilingual text; deterministic."""
    import numpy as np

    rng = np.random.RandomState(1234)
    lines = []
    for _ in range(3000):
        subj = SUBJECTS[rng.randint(len(SUBJECTS))]
        if rng.rand() < 0.5:
            adj = ADJECTIVES[rng.randint(len(ADJECTIVES))]
            subj = subj.split(" ", 1)
            subj = ("an" if adj[0] in "aeiou" else "a") + " " + adj + " " + subj[1] \
                if subj[0] in ("a", "an") else " ".join(subj)
        line = f"{subj} {VERBS[rng.randint(len(VERBS))]} {PLACES[rng.randint(len(PLACES))]}"
        if rng.rand() < 0.3:
            line = line[0].upper() + line[1:] + "."
        lines.append(line)
    for i in range(40):
        lines.extend(EXTRA)
    return lines


def build_tokenizer(vocab_size=TOKENIZER_VOCAB):
    """A GPT-2-style byte-level BPE: trained without special tokens, then <|endoftext|> appended
    as the last id (so it is in vocab.json too, exactly like GPT-2's 50256)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, \
        trainers
    from transformers import GPT2TokenizerFast

    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=[], show_progress=False)
    t.train_from_iterator(tokenizer_corpus(), trainer)
    trained = json.loads(t.to_str())["model"]
    vocab = dict(trained["vocab"])
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    assert len(vocab) == vocab_size - 1, len(vocab)
    vocab[EOS] = len(vocab)

    final = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
    final.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True,
                                                   use_regex=True)
    final.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    final.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False,
                                                use_regex=True)
    final.add_special_tokens([AddedToken(EOS, special=True, normalized=True)])
    tok = GPT2TokenizerFast(tokenizer_object=final, bos_token=EOS, eos_token=EOS, unk_token=EOS,
                            add_prefix_space=False, model_max_length=64,
                            clean_up_tokenization_spaces=True)
    assert len(tok) == vocab_size and tok.eos_token_id == vocab_size - 1
    return tok


ENCODE_CASES = [
    "a man sitting on a bench",
    "A red car is parked in front of a white house.",
    "Hello, world!",
    "Hello , world . How are you ?",
    "hello",
    " hello",
    "  two leading spaces",
    "trailing space ",
    "trailing spaces   ",
    "a  b   c    d",
    "line one\nline two",
    "\n\nparagraph\n\n\nbreaks\n",
    "tab\tseparated\tvalues",
    " \t \n mixed whitespace \r\n end",
    "It's John's dog.",
    "I can't and won't, they don't.",
    "We're here, you're there.",
    "I've seen it; they've gone.",
    "I'm fine, I'M FINE.",
    "She'll go and we'll stay.",
    "He'd know, you'd know.",
    "rock 'n' roll, 'quoted' words, \"double quotes\"",
    "1234567890",
    "3.14159 and 2,718 and -42 and 1e10",
    "Call 555-0199 at 10:30pm on 2024/05/17.",
    "$5.99 + 20% = ???",
    "!!!???...,,,;;;:::",
    "(brackets) [square] {curly} <angle>",
    "email@example.com https://example.org/path?q=1&x=2",
    "Le café est fermé à côté de l'hôtel.",
    "naïve façade coöperate résumé",
    "Straße Fußgänger ÄÖÜ äöü",
    "El niño está en la cocina.",
    "Съешь же ещё этих мягких французских булок.",
    "Привет, мир!",
    "一只猫坐在桌子上。",
    "東京の駅で電車を待っています。",
    "맛있는 음식",
    "مرحبا بالعالم",
    "😀",
    "I love this 😀😃😄",
    "thumbs up 👍🏽",
    "family 👨‍👩‍👧‍👦 emoji",
    "flags 🇫🇷🇯🇵🇺🇸",
    "heart ❤️ and blue heart 💙",
    "mixed: café 东京 😀 Привет 123!",
    "ﬁ ligature and Ω ohm and é vs é (combining)",
    "zero\u200bwidth\u200bspace",
    "a dog <|endoftext|> a cat",
    "<|endoftext|>",
    "",
    " ",
    "\n",
    "The image is too blurry to see what it is.",
]


def make_tokenizer_cases(tok_dir):
    """Encode and decode cases for the Swift tokenizer, from the fast (tokenizers) and slow
    (pure Python) GPT-2 tokenizers loaded back from tok_dir."""
    from transformers import GPT2Tokenizer, GPT2TokenizerFast
    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode

    fast = GPT2TokenizerFast.from_pretrained(str(tok_dir))
    slow = GPT2Tokenizer.from_pretrained(str(tok_dir))
    eos = fast.eos_token_id
    assert slow.eos_token_id == eos and len(slow) == len(fast)

    def decodes(tok, ids):
        return {
            "skip_special": tok.decode(ids, skip_special_tokens=True),
            "keep_special": tok.decode(ids, skip_special_tokens=False),
            "skip_special_no_cleanup": tok.decode(ids, skip_special_tokens=True,
                                                  clean_up_tokenization_spaces=False),
            "keep_special_no_cleanup": tok.decode(ids, skip_special_tokens=False,
                                                  clean_up_tokenization_spaces=False),
        }

    encode = []
    for text in ENCODE_CASES:
        ids = fast.encode(text, add_special_tokens=False)
        slow_ids = slow.encode(text, add_special_tokens=False)
        case = {"text": text, "ids": ids, "tokens": fast.convert_ids_to_tokens(ids)}
        case.update(decodes(fast, ids))
        case["roundtrip"] = case["keep_special_no_cleanup"] == text
        if slow_ids != ids:
            case["slow_ids"] = slow_ids
        slow_dec = decodes(slow, ids)
        if slow_dec != decodes(fast, ids):
            case["slow_decode"] = slow_dec
        encode.append(case)

    b2u = bytes_to_unicode()
    vocab = fast.get_vocab()

    def byte_ids(bs):
        return [vocab[b2u[b]] for b in bs]

    hello = fast.encode("hello world", add_special_tokens=False)
    dog = fast.encode(" a dog .", add_special_tokens=False)
    cafe = "café 东京 😀".encode("utf-8")
    decode_specs = [
        ("eos at start", [eos] + hello),
        ("eos at end", hello + [eos]),
        ("eos in the middle", hello + [eos] + dog),
        ("eos twice in a row, then text", [eos, eos] + dog),
        ("only eos", [eos]),
        ("empty", []),
        ("cleanup applies: space before period", dog),
        ("cleanup applies: ' s ' m n't",
         fast.encode("it 's , I 'm and don 't but do n't", add_special_tokens=False)),
        ("lone UTF-8 lead byte of a 3-byte CJK char (E4)", hello + byte_ids(b"\xe4")),
        ("first two bytes of a 3-byte char (E4 B8)", byte_ids(b"\xe4\xb8") + hello),
        ("lone continuation byte (80)", byte_ids(b"a\x80b")),
        ("truncated 4-byte emoji (F0 9F 98)", hello + byte_ids(b"\xf0\x9f\x98")),
        ("truncated emoji then eos", byte_ids(b"\xf0\x9f") + [eos] + hello),
        ("eos splits a valid 2-byte char (C3 | eos | A9)", byte_ids(b"caf\xc3") + [eos]
         + byte_ids(b"\xa9")),
        ("bytes FE FF never appear in UTF-8", byte_ids(b"x\xfe\xffy")),
        ("overlong encoding of '/' (C0 AF)", byte_ids(b"\xc0\xaf")),
        ("UTF-16 surrogate encoded in UTF-8 (ED A0 80)", byte_ids(b"\xed\xa0\x80")),
        ("code point above U+10FFFF (F4 90 80 80)", byte_ids(b"\xf4\x90\x80\x80")),
        ("valid multibyte text as single bytes", byte_ids(cafe)),
        ("every second byte of multibyte text dropped", byte_ids(cafe[::2])),
        ("NUL and control bytes", byte_ids(b"a\x00b\x07c\x1bd")),
    ]
    decode = []
    for name, ids in decode_specs:
        case = {"name": name, "ids": ids, "fast": decodes(fast, ids), "slow": decodes(slow, ids)}
        case["fast_slow_differ"] = case["fast"] != case["slow"]
        decode.append(case)

    return {
        "about": "Made by scripts/make_fixtures.py with transformers GPT2TokenizerFast "
                 "(tokenizers) and GPT2Tokenizer (slow) loaded from this directory. 'ids' are "
                 "encode(text, add_special_tokens=False); decode variants use "
                 "skip_special_tokens True/False and clean_up_tokenization_spaces as configured "
                 "(true in tokenizer_config.json) or False. Invalid UTF-8 decodes with U+FFFD.",
        "vocab_size": len(fast),
        "eos_token": EOS,
        "eos_token_id": eos,
        "clean_up_tokenization_spaces": fast.clean_up_tokenization_spaces,
        "add_prefix_space": False,
        "encode": encode,
        "decode": decode,
    }


def save_tokenizer(tok, directory):
    tok.save_pretrained(str(directory))
    # Pin the file set: a hub GPT-2 checkpoint has exactly these.
    names = sorted(p.name for p in Path(directory).iterdir()
                   if p.name in ("vocab.json", "merges.txt", "tokenizer.json",
                                 "tokenizer_config.json", "special_tokens_map.json",
                                 "added_tokens.json"))
    assert "added_tokens.json" not in names, names
    return names


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406]
IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225]

# Architectures. `init` is the normal std of every weight matrix/embedding (transformers' default
# 0.02 gives near-ties in the logits); biases and LayerNorm parameters are randomised too so that
# an engine that drops one of them fails. `eos_scale` multiplies the <|endoftext|> row of the
# (tied) token embedding so that EOS wins often but not always.
MODEL_SPECS = {
    "tiny-st": dict(
        seed=8, vit=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=64, image_size=224, patch_size=32),
        gpt2=dict(n_embd=32, n_layer=2, n_head=4, n_positions=64),
        init=0.3, bias_std=0.1, ln_std=0.2, eos_scale=2.0, eos_ramp=0.2, logit_scale=4.0,
        processor=dict(),  # ViTImageProcessor defaults: 224x224, mean/std 0.5, BILINEAR
        generation_config=dict(max_length=16, num_beams=3),
        config_generation=None, decoder_generation=None),
    "tiny-bin": dict(
        seed=26, vit=dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=96, image_size=96, patch_size=16),
        gpt2=dict(n_embd=32, n_layer=3, n_head=4, n_positions=64),
        init=0.3, bias_std=0.1, ln_std=0.2, eos_scale=2.0, eos_ramp=0.2, logit_scale=4.0,
        processor=dict(size={"height": 96, "width": 96}, image_mean=IMAGENET_DEFAULT_MEAN,
                       image_std=IMAGENET_DEFAULT_STD),
        generation_config=None,  # legacy: everything from config.json
        config_generation=dict(max_length=14, num_beams=4, early_stopping=True),
        decoder_generation=dict(no_repeat_ngram_size=3, max_length=40, num_beams=2)),
}


def build_model(spec, vocab_size, eos_id):
    import torch
    from transformers import GPT2Config, GenerationConfig, ViTConfig, \
        VisionEncoderDecoderConfig, VisionEncoderDecoderModel

    torch.manual_seed(spec["seed"])
    enc = ViTConfig(initializer_range=spec["init"], **spec["vit"])
    dec_kwargs = dict(spec["gpt2"])
    dec_kwargs.update(spec.get("decoder_generation") or {})
    dec = GPT2Config(vocab_size=vocab_size, bos_token_id=eos_id, eos_token_id=eos_id,
                     add_cross_attention=True, is_decoder=True,
                     initializer_range=spec["init"], **dec_kwargs)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = eos_id
    cfg.pad_token_id = eos_id
    for k, v in (spec.get("config_generation") or {}).items():
        setattr(cfg, k, v)
    model = VisionEncoderDecoderModel(config=cfg)

    g = torch.Generator().manual_seed(spec["seed"] + 1000)
    with torch.no_grad():
        norms = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.LayerNorm)}
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=g) * spec["bias_std"])
            elif id(p) in norms:
                p.copy_(1.0 + torch.randn(p.shape, generator=g) * spec["ln_std"])
            elif p.dim() >= 2 or "cls_token" in name or "position" in name:
                # Re-draw at the chosen scale; GPT-2's residual c_proj keeps its 1/sqrt(2L) damping.
                std = spec["init"]
                if name.endswith("c_proj.weight"):
                    std = std / (2 * spec["gpt2"]["n_layer"]) ** 0.5
                p.copy_(torch.randn(p.shape, generator=g) * std)
        # Sharpen the logits: top-1/top-2 gaps grow with this factor.
        ln_f = model.decoder.transformer.ln_f
        ln_f.weight *= spec["logit_scale"]
        ln_f.bias *= spec["logit_scale"]
        wte = model.decoder.transformer.wte.weight
        wte[eos_id] *= spec["eos_scale"]
        # Push later positions towards EOS so captions end after a few tokens, not at once.
        u = wte[eos_id] / wte[eos_id].norm()
        wpe = model.decoder.transformer.wpe.weight
        steps = torch.arange(wpe.shape[0], dtype=torch.float32)[:, None]
        wpe += spec["eos_ramp"] * steps * u[None, :]
    if spec.get("generation_config") is not None:
        model.generation_config = GenerationConfig(
            decoder_start_token_id=eos_id, bos_token_id=eos_id, eos_token_id=eos_id,
            pad_token_id=eos_id, **spec["generation_config"])
    model.eval()
    return model


def build_processor(spec):
    from transformers import ViTImageProcessor

    return ViTImageProcessor(**spec["processor"])


def save_model_dir(model, processor, tok, directory, fmt, dtype=None):
    """Writes a model dir in the hub's layout. fmt: 'safetensors' or 'bin'."""
    import torch

    directory = Path(directory)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    m = model
    if dtype is not None:
        m = copy_model(model).to(dtype)
    had_generation_config = m.generation_config._from_model_config is False
    m.save_pretrained(str(directory), safe_serialization=(fmt == "safetensors"))
    if not had_generation_config:
        # Older hub checkpoints have no generation_config.json: generate() then derives one
        # from config.json (top level, then the decoder's entries that are still default).
        (directory / "generation_config.json").unlink()
    processor.save_pretrained(str(directory))
    save_tokenizer(tok, directory)
    weights = "model.safetensors" if fmt == "safetensors" else "pytorch_model.bin"
    assert (directory / weights).exists()
    return sorted(p.name for p in directory.iterdir())


def copy_model(model):
    import copy

    return copy.deepcopy(model)


def load_model_dir(directory):
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel, ViTImageProcessor

    model = VisionEncoderDecoderModel.from_pretrained(str(directory), torch_dtype=torch.float32)
    model.eval()
    proc = ViTImageProcessor.from_pretrained(str(directory))
    tok = AutoTokenizer.from_pretrained(str(directory))
    return model, proc, tok


def gap(a, b):
    """|a - b|; two -inf scores are never the deciding pair here, so treat them as far apart."""
    d = abs(a - b)
    return float("inf") if d != d else d


class Margins:
    """Watches the decisions generate() makes and records how close each one was to a tie.

    Greedy: gap between the best and second-best processed score fed to torch.argmax.
    Beam search: in the flattened top-k (torch.topk), the gap between the last kept and first
    dropped non-EOS candidate and between any EOS candidate and the rank-k boundary; in
    BeamHypotheses, the gap between a new hypothesis and the worst kept one, the early-stopping
    comparison, and the final best-vs-second choice."""

    def __init__(self, vocab_size, eos_id):
        self.vocab_size, self.eos_id = vocab_size, eos_id
        self.greedy = []
        self.beam = {k: [] for k in ("topk_boundary", "eos_rank", "hyp_add", "is_done",
                                     "final_choice")}
        self.exact_is_done_ties = 0

    def report(self):
        def mn(xs):
            return min(xs) if xs else None

        out = {"greedy_top1_top2": {"min": mn(self.greedy), "decisions": len(self.greedy)}}
        for k, xs in self.beam.items():
            out["beam_" + k] = {"min": mn(xs), "decisions": len(xs)}
        out["beam_is_done_exact_ties"] = self.exact_is_done_ties
        return out

    def ok(self):
        return (all(g >= GREEDY_MIN_GAP for g in self.greedy)
                and all(g >= BEAM_MIN_GAP for xs in self.beam.values() for g in xs))

    def __enter__(self):
        import torch
        from transformers.generation import beam_search as bs

        self._saved = (torch.argmax, torch.topk, bs.BeamHypotheses.add,
                       bs.BeamHypotheses.is_done, bs.BeamSearchScorer.finalize)
        argmax, topk, add, is_done, finalize = self._saved
        me = self

        def w_argmax(t, *a, **k):
            if t.dim() == 2 and t.shape[-1] == me.vocab_size:
                v = topk(t.float(), 2, dim=-1).values
                me.greedy.append(float((v[:, 0] - v[:, 1]).min()))
            return argmax(t, *a, **k)

        def w_topk(t, k, *a, **kw):
            if t.dim() == 2 and t.shape[-1] % me.vocab_size == 0 and t.shape[-1] > me.vocab_size:
                # (batch=1, num_beams * V); generate asks for the top 2 * num_beams.
                nb = k // 2
                vals, idx = topk(t, k + 2, dim=1, largest=True, sorted=True)
                vals, idx = vals[0].tolist(), (idx[0] % me.vocab_size).tolist()
                # The next beams are the first nb non-EOS candidates.
                non_eos = [v for v, i in zip(vals, idx) if i != me.eos_id]
                me.beam["topk_boundary"].append(gap(non_eos[nb - 1], non_eos[nb]))
                # An EOS candidate becomes a finished hypothesis iff it ranks above the
                # nb-th of the other candidates.
                for r, (v, i) in enumerate(zip(vals[:k], idx[:k])):
                    if i == me.eos_id:
                        others = vals[:r] + vals[r + 1:]
                        me.beam["eos_rank"].append(gap(v, others[nb - 1]))
            return topk(t, k, *a, **kw)

        # Hypothesis scores are sum_logprobs / length ** length_penalty. A gap between two of them
        # is measured back in sum-of-logprob units (times the smaller length ** lp), because
        # that is where an engine's float error lives.
        def lengths(self_):
            return getattr(self_, "_fx_lengths", {})

        def worst_length(self_):
            worst = min(self_.beams, key=lambda b: b[0])
            return lengths(self_)[id(worst[1])]

        def scaled(d, lens, lp):
            return d * min(lens) ** lp if lp > 0 else d

        def w_add(self_, hyp, sum_logprobs, beam_indices=None, generated_len=None):
            n = generated_len if generated_len is not None else hyp.shape[-1]
            lp = self_.length_penalty
            score = sum_logprobs / (n ** lp)
            if len(self_) >= self_.num_beams:
                me.beam["hyp_add"].append(
                    scaled(abs(score - self_.worst_score), (n, worst_length(self_)), lp))
            self_._fx_lengths = lengths(self_)
            self_._fx_lengths[id(hyp)] = n
            return add(self_, hyp, sum_logprobs, beam_indices=beam_indices,
                       generated_len=generated_len)

        def w_is_done(self_, best_sum_logprobs, cur_len, decoder_prompt_len=0):
            if len(self_) >= self_.num_beams and self_.early_stopping is not True:
                lp = self_.length_penalty
                if self_.early_stopping is False or lp <= 0.0:
                    n = cur_len - decoder_prompt_len
                else:
                    n = self_.max_length - decoder_prompt_len
                high = best_sum_logprobs / n ** lp
                d = abs(self_.worst_score - high)
                if d == 0.0:
                    # The best candidate is the EOS hypothesis just added, now the worst kept
                    # one: the same expression on both sides, so `>=` holds exactly.
                    me.exact_is_done_ties += 1
                else:
                    me.beam["is_done"].append(scaled(d, (n, worst_length(self_)), lp))
            return is_done(self_, best_sum_logprobs, cur_len, decoder_prompt_len)

        def w_finalize(self_, input_ids, final_beam_scores, *a, **k):
            out = finalize(self_, input_ids, final_beam_scores, *a, **k)
            for hyps in self_._beam_hyps:
                ranked = sorted(hyps.beams, key=lambda b: b[0], reverse=True)
                if len(ranked) > 1:
                    lens = (lengths(hyps)[id(ranked[0][1])], lengths(hyps)[id(ranked[1][1])])
                    me.beam["final_choice"].append(
                        scaled(ranked[0][0] - ranked[1][0], lens, hyps.length_penalty))
            return out

        torch.argmax, torch.topk = w_argmax, w_topk
        bs.BeamHypotheses.add, bs.BeamHypotheses.is_done = w_add, w_is_done
        bs.BeamSearchScorer.finalize = w_finalize
        return self

    def __exit__(self, *exc):
        import torch
        from transformers.generation import beam_search as bs

        (torch.argmax, torch.topk, bs.BeamHypotheses.add, bs.BeamHypotheses.is_done,
         bs.BeamSearchScorer.finalize) = self._saved
        return False


SETTINGS = [
    {},
    {"num_beams": 1},
    {"num_beams": 2},
    {"num_beams": 3},
    {"num_beams": 4},
    {"num_beams": 4, "early_stopping": True},
    {"num_beams": 4, "early_stopping": False},
    {"num_beams": 4, "early_stopping": "never"},
    {"num_beams": 4, "length_penalty": 0.5},
    {"num_beams": 4, "length_penalty": 2.0},
    {"num_beams": 4, "early_stopping": "never", "length_penalty": 2.0},
    {"num_beams": 1, "max_new_tokens": 5},
    {"num_beams": 3, "max_new_tokens": 5},
    {"num_beams": 1, "max_length": 8},
    {"num_beams": 3, "max_length": 24},
    {"num_beams": 1, "max_length": 24},
    {"num_beams": 1, "no_repeat_ngram_size": 2},
    {"num_beams": 3, "no_repeat_ngram_size": 2},
    {"num_beams": 1, "min_new_tokens": 6},
    {"num_beams": 3, "min_new_tokens": 6},
    {"num_beams": 1, "repetition_penalty": 1.3},
    {"num_beams": 3, "repetition_penalty": 1.3},
]

# The fp16/bf16 copies exist to test dtype widening in the loader; three settings suffice (and
# keep the near-tie check meaningful for weights that were rounded after tuning).
SETTINGS_CAST = [{}, {"num_beams": 1}, {"num_beams": 4}]

GREEDY_MIN_GAP = 1e-3
BEAM_MIN_GAP = 1e-4


def resolved_generation(model, kwargs):
    """The GenerationConfig generate() will use for these kwargs (as its step 1 does)."""
    gc, _ = model._prepare_generation_config(None, **kwargs)
    return gc


def run_generate(model, pixel_values, kwargs, tok, margins):
    import torch

    with torch.no_grad(), margins:
        seq = model.generate(pixel_values=pixel_values, **kwargs)
    tokens = seq[0].tolist()
    return {"settings": kwargs, "tokens": tokens,
            "text": tok.decode(tokens, skip_special_tokens=True)}


def f32_bytes(t):
    import numpy as np

    return np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4")).tobytes()


def expected_for_model(name, directory, image_entries, out_dir, images_root, write_pixels,
                       settings=SETTINGS, stats=None):
    """Loads the saved model dir back and records everything the engine must reproduce."""
    import torch
    from transformers.image_utils import load_image

    model, proc, tok = load_model_dir(directory)
    V = model.config.decoder.vocab_size
    eos = model.generation_config.eos_token_id
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    margins = Margins(V, eos)
    files = []
    for e in image_entries:
        stem = e["stem"]
        img = load_image(str(images_root / e["file"]))
        pv = proc(images=img, return_tensors="pt").pixel_values
        assert pv.dtype == torch.float32
        with torch.no_grad():
            enc = model.encoder(pixel_values=pv).last_hidden_state[0]
            start = torch.tensor([[model.generation_config.decoder_start_token_id]])
            logits0 = model(pixel_values=pv, decoder_input_ids=start).logits[0, -1]
        if write_pixels and stem in write_pixels:
            write_bytes(out_dir / f"{stem}.pixels.f32", f32_bytes(pv[0]))
            files.append(f"{stem}.pixels.f32")
        write_bytes(out_dir / f"{stem}.encoder.f32", f32_bytes(enc))
        write_bytes(out_dir / f"{stem}.logits0.f32", f32_bytes(logits0))
        runs = []
        for kw in settings:
            r = run_generate(model, pv, dict(kw), tok, margins)
            gc = resolved_generation(model, dict(kw))
            assert gc.do_sample is False
            r["ended_with_eos"] = len(r["tokens"]) > 1 and r["tokens"][-1] == eos
            r["length"] = len(r["tokens"])
            r["max_length"] = gc.max_length if kw.get("max_new_tokens") is None \
                else 1 + kw["max_new_tokens"]
            r["num_beams"] = gc.num_beams
            runs.append(r)
        results[stem] = runs
    report = margins.report()
    report["ok"] = margins.ok()
    gen = model.generation_config.to_diff_dict()
    gen.pop("transformers_version", None)
    payload = {
        "model": name,
        "about": "VisionEncoderDecoderModel.generate(pixel_values, **settings) on CPU float32 "
                 "(torch.no_grad), pixel_values from this model dir's ViTImageProcessor applied "
                 "to transformers.image_utils.load_image(image). tokens are exactly what "
                 "generate returns (decoder start first); text = tokenizer.decode(tokens, "
                 "skip_special_tokens=True).",
        "resolved_generation_config": gen,
        "margins": report,
        "settings": settings,
        "results": results,
    }
    write_json(out_dir / "results.json", payload)
    return payload, model, proc, tok


def differing_from_greedy(payload, settings):
    """Per setting: on how many images the tokens differ from plain greedy (num_beams=1)."""
    g = settings.index({"num_beams": 1})
    out = {}
    for i, kw in enumerate(settings):
        out[json.dumps(kw, sort_keys=True)] = sum(
            runs[i]["tokens"] != runs[g]["tokens"] for runs in payload["results"].values())
    return out


def summarise_counts(payload):
    """Per setting: how many images ended with EOS before max length, how many hit max length."""
    counts = {}
    for stem, runs in payload["results"].items():
        for r in runs:
            key = json.dumps(r["settings"], sort_keys=True)
            c = counts.setdefault(key, {"eos": 0, "max_length": 0})
            if r["ended_with_eos"]:
                c["eos"] += 1
            else:
                assert r["length"] == r["max_length"], (stem, r)
                c["max_length"] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------------------------

# tiny-st's [3, 224, 224] pixel tensors are 600 kB each: keep a few that cover down- and
# upscaling, odd sizes and orientation. tiny-bin has them for every image.
PIXELS_TINY_ST = ["jpeg-large-400x300", "exif-6", "png-odd-97x55", "png-tiny-8x8", "png-gray16"]
# tiny-bin: every image except the exif-2..8 siblings of exif-1 other than exif-6 (the same scene;
# their decoded RGB already checks orientation).
PIXELS_TINY_BIN_SKIP = {"exif-2", "exif-3", "exif-4", "exif-5", "exif-7", "exif-8"}

TOLERANCES = {
    "decoded_rgb": "exact (max abs 0) for PNG; JPEG decoders may differ by a few levels unless "
                   "they use libjpeg-turbo's default (ISLOW DCT, fancy upsampling) like Pillow",
    "pixels": {"max_abs": 1e-5,
               "note": "resize is PIL's uint8 BILINEAR with its antialiasing filter support; "
                       "one uint8 level is 1/255/std (0.0078 for std 0.5, 0.0175 for std 0.224)"},
    "encoder": {"max_abs": 1e-3, "rel_to_max_abs": 1e-4},
    "logits0": {"max_abs": 5e-3, "rel_to_max_abs": 1e-4},
    "tokens": "exact",
    "text": "exact",
    "margins": {"greedy_top1_top2_min": GREEDY_MIN_GAP, "beam_gap_min": BEAM_MIN_GAP,
                "note": "every greedy decision's top-1/top-2 processed-score gap and every beam "
                        "decision's kept/dropped gap (sum-of-logprob units) is checked at build "
                        "time, so an engine within these tolerances reproduces the tokens"},
}


def model_summary(name, directory, spec, fmt, dtype, model):
    import torch

    directory = Path(directory)
    cfg = json.loads((directory / "config.json").read_text())
    weights = directory / ("model.safetensors" if fmt == "safetensors" else "pytorch_model.bin")
    if fmt == "safetensors":
        from safetensors import safe_open

        with safe_open(str(weights), "pt") as f:
            keys = sorted(f.keys())
            dtypes = sorted({str(f.get_tensor(k).dtype) for k in keys})
    else:
        sd = torch.load(str(weights), map_location="cpu")
        keys = sorted(sd.keys())
        dtypes = sorted({str(v.dtype) for v in sd.values()})
    enc, dec = cfg["encoder"], cfg["decoder"]
    return {
        "name": name,
        "dir": f"models/{name}",
        "format": fmt,
        "weights_file": weights.name,
        "weights_bytes": weights.stat().st_size,
        "stored_dtype": dtypes,
        "tensors": len(keys),
        "lm_head_stored": "decoder.lm_head.weight" in keys,
        "has_generation_config_json": (directory / "generation_config.json").exists(),
        "files": sorted(p.name for p in directory.iterdir()),
        "encoder": {k: enc[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                        "intermediate_size", "image_size", "patch_size")},
        "decoder": {k: dec[k] for k in ("vocab_size", "n_embd", "n_layer", "n_head",
                                        "n_positions")},
        "enc_to_dec_proj": enc["hidden_size"] != dec["n_embd"],
        "sequence": {"encoder_tokens": 1 + (enc["image_size"] // enc["patch_size"]) ** 2,
                     "encoder_width": enc["hidden_size"]},
        "preprocessor": json.loads((directory / "preprocessor_config.json").read_text()),
        "construction": {k: spec[k] for k in ("seed", "init", "bias_std", "ln_std", "eos_scale",
                                              "eos_ramp", "logit_scale")},
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def verify_model_dir(directory, reference_model, dtype, payload, image_entry, images_root,
                     expected_dir):
    """Reloads a saved dir from scratch and re-checks weights, one image's tensors and its
    default generation against what was written."""
    import numpy as np
    import torch
    from transformers.image_utils import load_image

    model, proc, tok = load_model_dir(directory)
    ref = reference_model if dtype is None else copy_model(reference_model).to(dtype).float()
    ref_sd, sd = ref.state_dict(), model.state_dict()
    assert set(ref_sd) == set(sd), set(ref_sd) ^ set(sd)
    for k in sd:
        assert torch.equal(sd[k], ref_sd[k]), f"{directory}: weight {k} changed on reload"
    stem = image_entry["stem"]
    pv = proc(images=load_image(str(images_root / image_entry["file"])),
              return_tensors="pt").pixel_values
    with torch.no_grad():
        enc = model.encoder(pixel_values=pv).last_hidden_state[0]
        start = torch.tensor([[model.generation_config.decoder_start_token_id]])
        logits0 = model(pixel_values=pv, decoder_input_ids=start).logits[0, -1]
        seq = model.generate(pixel_values=pv)[0].tolist()
    got_enc = np.frombuffer((expected_dir / f"{stem}.encoder.f32").read_bytes(), "<f4")
    got_log = np.frombuffer((expected_dir / f"{stem}.logits0.f32").read_bytes(), "<f4")
    assert np.array_equal(got_enc, enc.numpy().ravel()), "encoder file differs on reload"
    assert np.array_equal(got_log, logits0.numpy().ravel()), "logits0 file differs on reload"
    first = payload["results"][stem][0]
    assert first["settings"] == {} and first["tokens"] == seq, (first, seq)
    assert tok.decode(seq, skip_special_tokens=True) == first["text"]
    return {"reloaded_weights_equal": True, "image": stem, "encoder_equal": True,
            "logits0_equal": True, "default_generate_equal": True}


def build_all(out):
    import torch

    torch.set_num_threads(1)
    manifest = {
        "generator": "scripts/make_fixtures.py",
        "command": "/opt/ref/bin/python scripts/make_fixtures.py --out Tests/Fixtures",
        "versions": check_versions(),
        "layout": {
            "*.f32": "raw little-endian float32, row-major, no header; shapes listed per model",
            "*.rgb": "raw interleaved RGB8 (upright, after EXIF orientation), width*height*3",
            "results.json": "results[stem] is a list of runs, one per entry of the file's "
                            "settings list, in order",
        },
        "tolerances": TOLERANCES,
        "settings": SETTINGS,
    }
    manifest["images"] = make_images(out)
    manifest["bad"] = make_bad(out)

    tok = build_tokenizer()
    tok_dir = out / "tokenizer"
    if tok_dir.exists():
        shutil.rmtree(tok_dir)
    files = save_tokenizer(tok, tok_dir)
    cases = make_tokenizer_cases(tok_dir)
    write_json(tok_dir / "cases.json", cases)
    manifest["tokenizer"] = {
        "dir": "tokenizer", "files": files + ["cases.json"], "vocab_size": len(tok),
        "eos_token": EOS, "eos_token_id": tok.eos_token_id,
        "encode_cases": len(cases["encode"]), "decode_cases": len(cases["decode"]),
        "fast_slow_decode_differences": sum(c["fast_slow_differ"] for c in cases["decode"]),
        "note": "every models/*/ dir holds the same five tokenizer files",
    }

    models_root = out / "models"
    expected_root = out / "expected"
    if models_root.exists():
        shutil.rmtree(models_root)
    for name in ("tiny-st", "tiny-bin", "tiny-fp16", "tiny-bf16"):
        if (expected_root / name).exists():
            shutil.rmtree(expected_root / name)

    eos = tok.eos_token_id
    st_spec, bin_spec = MODEL_SPECS["tiny-st"], MODEL_SPECS["tiny-bin"]
    st_model = build_model(st_spec, len(tok), eos)
    bin_model = build_model(bin_spec, len(tok), eos)
    st_proc, bin_proc = build_processor(st_spec), build_processor(bin_spec)
    plan = [
        ("tiny-st", st_model, st_proc, st_spec, "safetensors", None, PIXELS_TINY_ST, SETTINGS),
        ("tiny-bin", bin_model, bin_proc, bin_spec, "bin", None,
         [e["stem"] for e in manifest["images"] if e["stem"] not in PIXELS_TINY_BIN_SKIP],
         SETTINGS),
        ("tiny-fp16", st_model, st_proc, st_spec, "safetensors", torch.float16, None,
         SETTINGS_CAST),
        ("tiny-bf16", st_model, st_proc, st_spec, "bin", torch.bfloat16, None, SETTINGS_CAST),
    ]
    manifest["models"] = []
    failures = []
    for name, model, proc, spec, fmt, dtype, pixels, settings in plan:
        directory = models_root / name
        save_model_dir(model, proc, tok, directory, fmt, dtype=dtype)
        print(f"[{name}] saved; computing expected outputs", flush=True)
        payload, loaded, _, _ = expected_for_model(name, directory, manifest["images"],
                                                   expected_root / name, out, pixels,
                                                   settings=settings)
        entry = model_summary(name, directory, spec, fmt, dtype, loaded)
        if dtype is not None:
            entry["derived_from"] = "tiny-st (weights cast to %s, config otherwise equal)" % (
                str(dtype).replace("torch.", ""))
            entry["note"] = ("expected outputs come from this dir loaded with "
                             "torch_dtype=torch.float32 (the stored values widened); they differ "
                             "slightly from tiny-st's")
        if name == "tiny-bin":
            entry["generation_source"] = (
                "no generation_config.json: transformers 4.40.2 builds it with "
                "GenerationConfig.from_model_config(config): top-level config.json values first; "
                "then, for every generation attribute whose value is still the GenerationConfig "
                "default, the decoder's value. Here top-level max_length=14, num_beams=4, "
                "early_stopping=true win over the decoder's max_length=40, num_beams=2; the "
                "decoder's no_repeat_ngram_size=3 applies; eos/bos come from the decoder.")
        else:
            entry["generation_source"] = "generation_config.json"
        entry["resolved_generation_config"] = payload["resolved_generation_config"]
        shapes = {
            "pixels": [3, entry["preprocessor"]["size"]["height"],
                       entry["preprocessor"]["size"]["width"]],
            "encoder": [entry["sequence"]["encoder_tokens"], entry["sequence"]["encoder_width"]],
            "logits0": [entry["decoder"]["vocab_size"]],
        }
        pix = list(pixels or [])
        entry["expected"] = {
            "dir": f"expected/{name}", "results": f"expected/{name}/results.json",
            "pixels_for": pix, "encoder_for": "every image", "logits0_for": "every image",
            "shapes": shapes,
        }
        entry["settings"] = "all (manifest 'settings')" if settings is SETTINGS else settings
        entry["margins"] = payload["margins"]
        entry["runs_differing_from_greedy"] = differing_from_greedy(payload, settings)
        entry["eos_counts"] = summarise_counts(payload)
        entry["verified"] = verify_model_dir(directory, model, dtype, payload,
                                             manifest["images"][0], out, expected_root / name)
        if not payload["margins"]["ok"]:
            failures.append(f"{name}: margins below threshold: {payload['margins']}")
        default_counts = entry["eos_counts"][json.dumps({}, sort_keys=True)]
        greedy_counts = entry["eos_counts"][json.dumps({"num_beams": 1}, sort_keys=True)]
        beam_counts = entry["eos_counts"][json.dumps({"num_beams": 4}, sort_keys=True)]
        for label, c in (("defaults", default_counts), ("greedy", greedy_counts),
                         ("beam4", beam_counts)):
            if c["eos"] == 0 or c["max_length"] == 0:
                failures.append(f"{name}: {label} needs images ending with EOS and images "
                                f"hitting max_length, got {c}")
        manifest["models"].append(entry)
        print(f"[{name}] margins {payload['margins']['ok']} defaults {default_counts} "
              f"greedy {greedy_counts} beam4 {beam_counts}", flush=True)

    write_json(expected_root / "manifest.json", manifest)
    if failures:
        sys.exit("make_fixtures.py: checks failed (change seeds/scales in MODEL_SPECS):\n  "
                 + "\n  ".join(failures))
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"done: {total / 1e6:.2f} MB under {out}")


# ---------------------------------------------------------------------------------------------
# Held-out checkpoint for the lead's acceptance check
# ---------------------------------------------------------------------------------------------

def heldout_spec(seed, fmt):
    spec = dict(
        seed=seed, vit=dict(hidden_size=40, num_hidden_layers=3, num_attention_heads=5,
                            intermediate_size=80, image_size=128, patch_size=32),
        gpt2=dict(n_embd=48, n_layer=2, n_head=6, n_positions=48),
        init=0.3, bias_std=0.1, ln_std=0.2, eos_scale=2.0, eos_ramp=0.2, logit_scale=4.0,
        processor=dict(size={"height": 128, "width": 128},
                       image_mean=[0.48145466, 0.4578275, 0.40821073],
                       image_std=[0.26862954, 0.26130258, 0.27577711]),
    )
    if fmt == "safetensors":
        spec.update(generation_config=dict(max_length=18, num_beams=2),
                    config_generation=None, decoder_generation=None)
    else:
        spec.update(generation_config=None,
                    config_generation=dict(max_length=12, num_beams=3),
                    decoder_generation=dict(no_repeat_ngram_size=2))
    return spec


def build_heldout(out, seed, fmt, images):
    import torch
    from transformers.image_utils import load_image

    torch.set_num_threads(1)
    tok = build_tokenizer(vocab_size=1100)
    spec = heldout_spec(seed, fmt)
    model = build_model(spec, len(tok), tok.eos_token_id)
    proc = build_processor(spec)
    out = Path(out)
    save_model_dir(model, proc, tok, out, fmt)
    loaded, proc, tok = load_model_dir(out)
    eos = loaded.generation_config.eos_token_id
    margins = Margins(len(tok), eos)
    settings = [{}, {"num_beams": 1}, {"num_beams": 4}]
    results = {}
    for img in images:
        pv = proc(images=load_image(str(img)), return_tensors="pt").pixel_values
        results[Path(img).name] = [run_generate(loaded, pv, dict(kw), tok, margins)
                                   for kw in settings]
    counts = {}
    for runs in results.values():
        for r in runs:
            c = counts.setdefault(json.dumps(r["settings"]), {"eos": 0, "max_length": 0})
            c["eos" if len(r["tokens"]) > 1 and r["tokens"][-1] == eos else "max_length"] += 1
    gen = loaded.generation_config.to_diff_dict()
    gen.pop("transformers_version", None)
    report = margins.report()
    report["ok"] = margins.ok()
    payload = {
        "model_dir": str(out), "seed": seed, "format": fmt, "versions": check_versions(),
        "resolved_generation_config": gen, "margins": report, "eos_counts": counts,
        "settings": settings, "results": results,
    }
    write_json(out / "expected.json", payload)
    print(json.dumps({"margins_ok": report["ok"], "eos_counts": counts}, indent=1))
    if not report["ok"]:
        print("warning: some decisions are near-ties; pick another --seed", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    p_all = sub.add_parser("all", help="rebuild everything (the default)")
    p_all.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p_img = sub.add_parser("images", help="only images/, bad/ and expected/decoded/")
    p_img.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p_ho = sub.add_parser("heldout", help="a model dir the tests never see, plus expected "
                                          "tokens in <DIR>/expected.json")
    p_ho.add_argument("--out", type=Path, required=True)
    p_ho.add_argument("--seed", type=int, required=True)
    p_ho.add_argument("--format", choices=["safetensors", "bin"], required=True)
    p_ho.add_argument("--images", type=Path, nargs="*",
                      help="images to caption (default: every file in Tests/Fixtures/images)")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        argv = ["all"] + argv
    args = ap.parse_args(argv)
    check_versions()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    out = args.out.resolve()
    if args.cmd == "heldout":
        images = args.images or sorted((DEFAULT_OUT / "images").iterdir())
        build_heldout(out, args.seed, args.format, images)
        return
    out.mkdir(parents=True, exist_ok=True)
    if args.cmd == "images":
        manifest = {"generator": "scripts/make_fixtures.py", "versions": check_versions()}
        manifest["images"] = make_images(out)
        manifest["bad"] = make_bad(out)
        write_json(out / "expected" / "manifest.json", manifest)
        return
    build_all(out)


if __name__ == "__main__":
    main()
