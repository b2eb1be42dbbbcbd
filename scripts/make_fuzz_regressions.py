#!/usr/bin/env python3
"""Writes Tests/Fixtures/fuzz-regressions/{FuzzTorch,FuzzSafetensors}/issue11-*: the crafted
checkpoints of issue 11 (finding 3 and the two fuzz findings) as inputs of the libFuzzer
harnesses, beside whatever scripts/fuzz keeps there. FuzzRegressionTests replays every file in
those folders through the harnesses' code path in the normal suite.

Standard library only: python3 scripts/make_fuzz_regressions.py
"""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "fuzz-regressions")


def pickle_state(views):
    """A protocol-2 pickle of {key: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}."""
    p = bytearray(b"\x80\x02}(")

    def string(s):
        b = s.encode()
        p.extend(b"X" + struct.pack("<I", len(b)) + b)

    def integer(v):
        p.extend(b"\x8a\x08" + struct.pack("<q", v))

    def global_(module, name):
        p.extend(b"c" + f"{module}\n{name}\n".encode())

    for key, numel, offset, size, stride in views:
        string(key)
        global_("torch._utils", "_rebuild_tensor_v2")
        p.extend(b"((")
        string("storage")
        global_("torch", "FloatStorage")
        string("0")
        string("cpu")
        integer(numel)
        p.extend(b"tQ")
        integer(offset)
        p.extend(b"(")
        for v in size:
            integer(v)
        p.extend(b"t(")
        for v in stride:
            integer(v)
        p.extend(b"t\x89")
        global_("collections", "OrderedDict")
        p.extend(b")RtR")
    p.extend(b"u.")
    return bytes(p)


def zip_stored(records, zip64=None):
    """Stored zip records; with zip64=(count, size, offset) the end record defers to a ZIP64 one."""
    out, central = bytearray(), bytearray()
    for name, data in records:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, len(data), len(data), len(n), 0) + n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, len(data), len(data),
                               len(n), 0, 0, 0, 0, 0, offset) + n
    cd_offset = len(out)
    out += central
    if zip64:
        record = len(out)
        count, size, offset = zip64
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(records), len(records), len(central), cd_offset, 0)
    return bytes(out)


def torch(views, floats):
    return zip_stored([("archive/data.pkl", pickle_state(views)), ("archive/data/0", struct.pack(f"<{floats}f", *[1.0] * floats))])


def main():
    inv = pow(1025, -1, 1 << 64)  # inv * 1025 == 1 (mod 2^64)
    files = {
        "FuzzTorch/issue11-stride0-count-wraps-to-1.bin": torch([("w", 1025, 0, [inv, 1025], [0, 1])], 1025),
        "FuzzTorch/issue11-stride0-asks-4TiB.bin": torch([("w", 1, 0, [1 << 40], [0])], 1),
        "FuzzTorch/issue11-stride0-asks-1GB.bin": torch([("w", 1, 0, [1 << 28], [0])], 1),
        "FuzzTorch/issue11-empty-tensor-offset-2p62.bin": torch([("w", 4, 1 << 62, [0], [1])], 4),
        "FuzzTorch/issue11-zip64-cd-offset-near-2p63.bin":
            zip_stored([("archive/data.pkl", pickle_state([]))], zip64=(1, 16, (1 << 63) - 9)),
        "FuzzSafetensors/issue11-leading-zero-dimension.safetensors":
            (lambda h: struct.pack("<Q", len(h)) + h)(json.dumps(
                {"e": {"dtype": "F32", "shape": [0, 1 << 40, 1 << 40], "data_offsets": [0, 0]}}).encode()),
    }
    for name, data in files.items():
        path = os.path.join(ROOT, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        print(name, len(data), "bytes")


if __name__ == "__main__":
    main()
