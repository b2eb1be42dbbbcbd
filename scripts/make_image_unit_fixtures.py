#!/opt/ref/bin/python
"""Unit fixtures for the image decoder and preprocessor (Tests/Fixtures/image-unit).

Run with the reference environment: /opt/ref/bin/python scripts/make_image_unit_fixtures.py
Needs Pillow 9.4.0, numpy and transformers 4.40.2 (no PyTorch). Deterministic: seeded, and PNGs
are written by the tiny encoder below so every colour type / bit depth / chunk can be exercised.

Outputs (all small):
  decode/<case>.{png,jpg}   inputs
  decode/<case>.rgb         transformers.image_utils.load_image(path) as interleaved RGB8
  resize/sources.bin        concatenated RGB8 source images
  resize/expected.bin       concatenated PIL Image.resize results
  pixels/<case>.json        a preprocessor_config.json
  pixels/<case>.f32         ViTImageProcessor(**config)(image)["pixel_values"][0], float32 LE CHW
  bad/*                     malformed inputs
  manifest.json             describes every case above
"""
import io
import json
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image
import transformers
from transformers import ViTImageProcessor
from transformers.image_utils import load_image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "image-unit")
rng = np.random.default_rng(20240511)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def adam7_passes(w, h):
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        xs, ys = list(range(x0, w, dx)), list(range(y0, h, dy))
        if xs and ys:
            yield xs, ys


def pack_rows(samples, depth):
    """samples: (h, w*channels) ints. Returns filter-0 scanlines."""
    out = b""
    for row in samples:
        if depth == 16:
            data = b"".join(struct.pack(">H", int(v)) for v in row)
        elif depth == 8:
            data = bytes(int(v) for v in row)
        else:
            per = 8 // depth
            data = bytearray()
            for i in range(0, len(row), per):
                byte = 0
                for j, v in enumerate(row[i:i + per]):
                    byte |= int(v) << (8 - depth * (j + 1))
                data.append(byte)
            data = bytes(data)
        out += b"\x00" + data
    return out


def make_png(samples, depth, color_type, plte=None, trns=None, interlace=False, extra=(), after_idat=()):
    """samples: (h, w, channels) array of raw sample values."""
    h, w, c = samples.shape
    if interlace:
        raw = b""
        for xs, ys in adam7_passes(w, h):
            raw += pack_rows(samples[np.ix_(ys, xs)].reshape(len(ys), -1), depth)
    else:
        raw = pack_rows(samples.reshape(h, -1), depth)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlace)))
    for c_ in extra:
        png += c_
    if plte is not None:
        png += chunk(b"PLTE", bytes(np.asarray(plte, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    for c_ in after_idat:
        png += c_
    return png + chunk(b"IEND", b"")


def tiff_orientation(value, big_endian=False, type_=3):
    e = ">" if big_endian else "<"
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    if type_ == 3:
        val = struct.pack(e + "HH", value, 0)
    else:
        val = struct.pack(e + "I", value)
    # IFD0: orientation plus an unrelated entry before it, and a next-IFD offset of 0.
    entries = struct.pack(e + "HHI", 0x010F, 2, 4) + b"cam\x00"
    entries += struct.pack(e + "HHI", 0x0112, type_, 1) + val
    return head + struct.pack(e + "H", 2) + entries + struct.pack(e + "I", 0)


def asymmetric(w, h):
    """A smooth image with a distinct corner marker so every orientation differs."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x * 7 + y * 13) % 256], -1)
    img[: max(h // 4, 1), : max(w // 3, 1)] = (250, 20, 30)
    return img.astype(np.uint8)


def jpeg_bytes(img, **kw):
    b = io.BytesIO()
    img.save(b, "JPEG", **kw)
    return b.getvalue()


def with_exif(jpeg, tiff):
    app1 = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def decode_cases():
    cases = {}
    w, h = 13, 7
    g = rng.integers(0, 256, (h, w, 1))
    for depth in (1, 2, 4, 8):
        cases[f"png-gray{depth}"] = make_png(rng.integers(0, 1 << depth, (h, w, 1)), depth, 0)
    # Values both below and far above 255: Pillow's "I" -> "RGB" clips.
    g16 = rng.integers(0, 65536, (h, w, 1))
    g16[0, :6, 0] = [0, 1, 200, 255, 256, 65535]
    cases["png-gray16"] = make_png(g16, 16, 0)
    cases["png-gray8-trns"] = make_png(g, 8, 0, trns=struct.pack(">H", int(g[0, 0, 0])))
    cases["png-rgb8"] = make_png(rng.integers(0, 256, (h, w, 3)), 8, 2)
    cases["png-rgb16"] = make_png(rng.integers(0, 65536, (h, w, 3)), 16, 2)
    cases["png-rgb8-trns"] = make_png(rng.integers(0, 256, (h, w, 3)), 8, 2, trns=struct.pack(">HHH", 1, 2, 3))
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        plte = rng.integers(0, 256, (n, 3))
        cases[f"png-palette{depth}"] = make_png(rng.integers(0, n, (h, w, 1)), depth, 3, plte=plte)
    # Indexes past the end of PLTE: Pillow's palette keeps its initial gray ramp there.
    cases["png-palette8-short"] = make_png(rng.integers(0, 256, (h, w, 1)), 8, 3, plte=rng.integers(0, 256, (5, 3)))
    cases["png-palette4-trns"] = make_png(rng.integers(0, 16, (h, w, 1)), 4, 3, plte=rng.integers(0, 256, (16, 3)),
                                          trns=bytes([0, 128, 255]))
    cases["png-la8"] = make_png(rng.integers(0, 256, (h, w, 2)), 8, 4)
    cases["png-la16"] = make_png(rng.integers(0, 65536, (h, w, 2)), 16, 4)
    cases["png-rgba8"] = make_png(rng.integers(0, 256, (h, w, 4)), 8, 6)
    cases["png-rgba16"] = make_png(rng.integers(0, 65536, (h, w, 4)), 16, 6)
    cases["png-rgb8-interlaced"] = make_png(rng.integers(0, 256, (11, 19, 3)), 8, 2, interlace=True)
    cases["png-gray2-interlaced"] = make_png(rng.integers(0, 4, (11, 19, 1)), 2, 0, interlace=True)

    a = asymmetric(12, 8)
    for o in range(1, 9):
        cases[f"png-exif-{o}"] = make_png(a, 8, 2, extra=[chunk(b"eXIf", tiff_orientation(o, big_endian=o % 2 == 0))])
    cases["png-exif-after-idat-6"] = make_png(a, 8, 2, after_idat=[chunk(b"eXIf", tiff_orientation(6))])
    hexed = (b"Exif\x00\x00" + tiff_orientation(8)).hex()
    lines = "\n".join(hexed[i:i + 72] for i in range(0, len(hexed), 72))
    raw_profile = f"\nexif\n{len(hexed) // 2:8d}\n{lines}\n".encode("latin-1")
    cases["png-rawprofile-8"] = make_png(a, 8, 2, extra=[chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(raw_profile))])
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="3"/></x:xmpmeta>'
    cases["png-xmp-3"] = make_png(a, 8, 2, extra=[chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)])

    big = asymmetric(24, 16)
    base = jpeg_bytes(Image.fromarray(big), quality=95, subsampling=0)
    for o in range(1, 9):
        cases[f"jpeg-exif-{o}"] = with_exif(base, tiff_orientation(o, big_endian=o % 2 == 1, type_=3 if o < 7 else 4))
    photo = Image.fromarray(rng.integers(0, 256, (4, 5, 3)).astype(np.uint8)).resize((37, 23), Image.BICUBIC)
    cases["jpeg-420-odd"] = jpeg_bytes(photo, quality=80, subsampling=2)
    cases["jpeg-422-odd"] = jpeg_bytes(photo, quality=80, subsampling=1)
    cases["jpeg-progressive"] = jpeg_bytes(photo, quality=70, progressive=True)
    cases["jpeg-gray"] = jpeg_bytes(photo.convert("L"), quality=85)
    cases["jpeg-cmyk"] = jpeg_bytes(photo.convert("CMYK"), quality=90)
    return cases


def resize_cases():
    sources = []
    for (w, h) in [(37, 23), (64, 48), (5, 3), (1, 9)]:
        smooth = np.asarray(Image.fromarray(rng.integers(0, 256, (3, 4, 3)).astype(np.uint8)).resize((w, h), Image.BILINEAR))
        noise = rng.integers(-40, 41, (h, w, 3))
        sources.append(np.clip(smooth.astype(int) + noise, 0, 255).astype(np.uint8))
    targets = {0: [(16, 16), (37, 12), (50, 30), (7, 23), (71, 45), (3, 5), (37, 23)],
               1: [(24, 24), (13, 40), (64, 7), (83, 61), (1, 1), (31, 47)],
               2: [(4, 4), (12, 7), (5, 3), (30, 2)],
               3: [(3, 3), (9, 1), (2, 20)]}
    cases = []
    for si, targets_ in targets.items():
        for (tw, th) in targets_:
            for f in range(6):
                cases.append((si, tw, th, f))
    for _ in range(12):
        si = int(rng.integers(0, 2))
        cases.append((si, int(rng.integers(1, 80)), int(rng.integers(1, 80)), int(rng.integers(0, 6))))
    return sources, cases


def main():
    for sub in ("decode", "resize", "pixels", "bad"):
        os.makedirs(os.path.join(ROOT, sub), exist_ok=True)
    manifest = {"generator": "scripts/make_image_unit_fixtures.py",
                "versions": {"PIL": PIL.__version__, "numpy": np.__version__, "transformers": transformers.__version__},
                "decode": [], "resize": {}, "pixels": [], "bad": []}

    for name, data in decode_cases().items():
        ext = "png" if data[:4] == b"\x89PNG" else "jpg"
        path = os.path.join(ROOT, "decode", f"{name}.{ext}")
        with open(path, "wb") as f:
            f.write(data)
        opened = Image.open(path)
        im = load_image(path)
        with open(os.path.join(ROOT, "decode", f"{name}.rgb"), "wb") as f:
            f.write(np.asarray(im, dtype=np.uint8).tobytes())
        manifest["decode"].append({"file": f"decode/{name}.{ext}", "expected": f"decode/{name}.rgb",
                                   "pillow_mode": opened.mode, "width": im.width, "height": im.height})

    sources, cases = resize_cases()
    src_blob, exp_blob, entries = b"", b"", []
    src_meta = []
    for s in sources:
        src_meta.append({"offset": len(src_blob), "width": s.shape[1], "height": s.shape[0]})
        src_blob += s.tobytes()
    for si, tw, th, f in cases:
        out = np.asarray(Image.fromarray(sources[si]).resize((tw, th), f), dtype=np.uint8)
        entries.append({"source": si, "width": tw, "height": th, "filter": f, "offset": len(exp_blob)})
        exp_blob += out.tobytes()
    with open(os.path.join(ROOT, "resize", "sources.bin"), "wb") as f:
        f.write(src_blob)
    with open(os.path.join(ROOT, "resize", "expected.bin"), "wb") as f:
        f.write(exp_blob)
    manifest["resize"] = {"sources": src_meta, "cases": entries}

    configs = {
        "vit-defaults-small": {"size": {"height": 20, "width": 28}},
        "bicubic-imagenet": {"size": 24, "resample": 3, "image_mean": [0.485, 0.456, 0.406],
                             "image_std": [0.229, 0.224, 0.225]},
        "no-resize": {"do_resize": False, "rescale_factor": 0.00392156862745098, "image_mean": 0.45, "image_std": 0.27},
        "no-rescale-lanczos": {"do_rescale": False, "resample": 1, "size": {"height": 9, "width": 31}},
        "no-normalize-upscale": {"do_normalize": False, "size": {"height": 50, "width": 41}},
    }
    src = os.path.join(ROOT, "decode", "jpeg-420-odd.jpg")
    image = load_image(src)
    for name, cfg in configs.items():
        with open(os.path.join(ROOT, "pixels", f"{name}.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        pv = ViTImageProcessor(**cfg)(image)["pixel_values"][0]
        pv = np.asarray(pv, dtype="<f4")
        with open(os.path.join(ROOT, "pixels", f"{name}.f32"), "wb") as f:
            f.write(pv.tobytes())
        manifest["pixels"].append({"config": f"pixels/{name}.json", "image": "decode/jpeg-420-odd.jpg",
                                   "expected": f"pixels/{name}.f32", "shape": list(pv.shape)})

    good_png = decode_cases()["png-rgb8"]
    bad = {
        "huge-header.png": good_png[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
        + good_png[33:],
        "truncated.png": good_png[: len(good_png) // 2],
        "truncated-progressive.jpg": decode_cases()["jpeg-progressive"][:-120],
        "bad-crc.png": good_png[:29] + b"\x00\x00\x00\x00" + good_png[33:],
    }
    jpeg = decode_cases()["jpeg-422-odd"]
    sof = jpeg.index(b"\xff\xc0")
    bad["huge-header.jpg"] = jpeg[:sof + 5] + struct.pack(">HH", 60000, 60000) + jpeg[sof + 9:]
    for name, data in bad.items():
        with open(os.path.join(ROOT, "bad", name), "wb") as f:
            f.write(data)
        try:
            load_image(os.path.join(ROOT, "bad", name))
            outcome = "ok"
        except Exception as e:  # the reference outcome is recorded, whatever it is
            outcome = f"{type(e).__name__}: {e}".replace(ROOT + os.sep, "")
        manifest["bad"].append({"file": f"bad/{name}", "load_image": outcome})

    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
