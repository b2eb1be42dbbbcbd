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

Requirements: scripts/fixtures-requirements.txt (the reference environment is /opt/ref).
"""

import argparse
import hashlib
import io
import json
import os
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
    import numpy
    import PIL
    import safetensors
    import tokenizers
    import torch
    import transformers

    found = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "PIL": PIL.__version__,
        "numpy": numpy.__version__,
        "safetensors": safetensors.__version__,
    }
    bad = []
    for name, want in PINNED.items():
        have = found[name]
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
# Command line
# ---------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    p_all = sub.add_parser("all", help="rebuild everything (the default)")
    p_all.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p_img = sub.add_parser("images", help="only images/, bad/ and expected/decoded/")
    p_img.add_argument("--out", type=Path, default=DEFAULT_OUT)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        argv = ["all"] + argv
    args = ap.parse_args(argv)
    versions = check_versions()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"generator": "scripts/make_fixtures.py", "versions": versions}
    manifest["images"] = make_images(out)
    manifest["bad"] = make_bad(out)
    write_json(out / "expected" / "manifest.json", manifest)


if __name__ == "__main__":
    main()
