#!/usr/bin/env python3
"""Makes Tests/Fixtures/image-unit/budget: large-frame photos that compress small, for the
decode-budget tests (ImageBudgetTests), and with --big PATH the 7071x7071 progressive JPEG
that scripts/decode-peak measures (not committed: it is made when needed).

A smooth colour field with a little texture compresses to a few tens of KB even at several
megapixels, which is the shape of the "small file, huge decode" finding (issue 11, finding 6).

Run with Debian's python3-pil: /usr/bin/python3 scripts/make_budget_fixtures.py [--big PATH]
"""
import argparse
import zlib
import json
import os

from PIL import Image, ImageOps

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "image-unit", "budget")


def field(width, height):
    """An RGB gradient with a coarse checker, so a wrong scale or orientation is visible."""
    small = Image.new("RGB", (width // 16, height // 16))
    px = small.load()
    for y in range(small.height):
        for x in range(small.width):
            check = 40 if ((x // 8) + (y // 8)) % 2 else 0
            px[x, y] = (x * 255 // small.width, y * 255 // small.height, 128 + check)
    return small.resize((width, height), Image.BILINEAR)


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", help="also write the 7071x7071 progressive JPEG here")
    args = parser.parse_args()
    os.makedirs(ROOT, exist_ok=True)
    img = field(3000, 2000)
    img.save(os.path.join(ROOT, "field-3000x2000-progressive.jpg"), quality=60, progressive=True)
    img.save(os.path.join(ROOT, "field-3000x2000-exif6.jpg"), quality=60, exif=exif_orientation(6))
    img.convert("L").save(os.path.join(ROOT, "field-3000x2000-gray.jpg"), quality=60)
    img.resize((1200, 800)).save(os.path.join(ROOT, "field-1200x800.png"), optimize=True)
    # What Pillow's draft mode (libjpeg's own DCT scaling) gives at each scale, then
    # exif_transpose and convert("RGB") as load_image does: the scaled path's reference.
    expected = {}
    for name in ["field-3000x2000-progressive.jpg", "field-3000x2000-exif6.jpg", "field-3000x2000-gray.jpg"]:
        for denom in [2, 4, 8]:
            with Image.open(os.path.join(ROOT, name)) as im:
                im.draft(im.mode, (im.width // denom, im.height // denom))
                out = ImageOps.exif_transpose(im).convert("RGB")
                expected[f"{name}@1/{denom}"] = {"width": out.width, "height": out.height,
                                                  "crc32": zlib.crc32(out.tobytes())}
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    if args.big:
        field(7071, 7071).save(args.big, quality=75, progressive=True)
        print(args.big, os.path.getsize(args.big), "bytes")
    for name in sorted(os.listdir(ROOT)):
        print(name, os.path.getsize(os.path.join(ROOT, name)), "bytes")


if __name__ == "__main__":
    main()
