#!/usr/bin/env python3
"""Detection rate of zxing-cpp on the code fixtures, for the choice between zbar and zxing-cpp.

zbar's numbers come from `swift test --filter CodeReaderTests.testDetectionTable` (the reader
assist ships). This runs zxing-cpp's own reader on the same files with its default options
(try harder, rotations, inverted) and prints the table in the same layout. Needs Pillow and the
PyPI package zxing-cpp (3.1.1 was measured):

    python3 -m venv --system-site-packages /tmp/zx && /tmp/zx/bin/pip install zxing-cpp==3.1.1
    /tmp/zx/bin/python scripts/compare_code_readers.py
"""
import json
import os

import zxingcpp
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "everyday")
KINDS = ["ean13", "ean8", "upca", "upce", "code128", "qr"]
VARIANTS = ["clean", "rot12", "rot22", "rot30", "blur1", "blur2", "blur4", "small",
            "cutleft", "cutright", "cuttop", "cutbottom"]


def expand_upce(e):
    """UPC-E (8 digits) to its UPC-A (12 digits)."""
    ns, x, check = e[0], e[1:7], e[7]
    last = x[5]
    if last in "012":
        body = x[0:2] + last + "0000" + x[2:5]
    elif last == "3":
        body = x[0:3] + "00000" + x[3:5]
    elif last == "4":
        body = x[0:4] + "00000" + x[4]
    else:
        body = x[0:5] + "0000" + last
    return ns + body + check


def main():
    manifest = json.load(open(os.path.join(ROOT, "manifest.json")))
    cells, read = {}, {}
    for row in manifest["codes"]:
        if row["kind"] == "two":
            continue
        image = Image.open(os.path.join(ROOT, row["file"])).convert("L")
        results = zxingcpp.read_barcodes(image)
        texts = {r.text for r in results}
        # zxing-cpp reports UPC-A as EAN-13 with a leading 0 and UPC-E expanded or not
        # depending on options; any of the forms counts.
        wants = {row["data"]}
        if row["kind"] == "upce":
            wants.add(expand_upce(row["data"]))
        stripped = {t.lstrip("0") for t in texts}
        hit = any(w in texts or w.lstrip("0") in stripped for w in wants)
        cells[(row["variant"], row["kind"])] = "read" if hit else "-"
        read[row["variant"]] = read.get(row["variant"], 0) + (1 if hit else 0)
    print("| variant | " + " | ".join(KINDS) + " | read |")
    for v in VARIANTS:
        print(f"| {v} | " + " | ".join(cells[(v, k)] for k in KINDS) + f" | {read.get(v, 0)}/6 |")
    print(f"total read: {sum(read.values())}/{len(cells)}")


if __name__ == "__main__":
    main()
