#!/usr/bin/env python3
"""Makes Tests/Fixtures/checkpoint-unit: tiny state dicts for the checkpoint loader tests.

Run with the reference environment: /opt/ref/bin/python scripts/make_checkpoint_fixtures.py
Writes good files (safetensors and torch zip .bin in fp32/fp16/bf16, shared storages,
non-contiguous views, parameters, integer buffers, a sharded directory) and bad ones (a pickle
naming os.system, torch.storage._load_from_bytes, a legacy non-zip .bin, a compressed zip,
truncated files, broken safetensors headers), plus expected.json with exact fp32 values.
"""
import io
import json
import os
import shutil
import struct
import zipfile

import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "checkpoint-unit")


def base_state(dtype):
    g = torch.Generator().manual_seed(7)
    w = (torch.randn(4, 6, generator=g) * 3).to(dtype)
    return {
        "layer.weight": w,
        "layer.bias": torch.linspace(-2.5, 2.5, 6).to(dtype),
        "scalar": torch.tensor(0.15625).to(dtype),
        "cube": (torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 7 - 1).to(dtype),
        "empty": torch.zeros(0, 3).to(dtype),
    }


def values(t):
    return [float(v) for v in t.float().contiguous().flatten().tolist()]


def describe(state):
    out = {}
    for k, t in state.items():
        entry = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
        if t.is_floating_point():
            entry["values"] = values(t)
        out[k] = entry
    return out


def torch_state(dtype):
    s = base_state(dtype)
    big = (torch.arange(30, dtype=torch.float32) * 0.5 - 3).to(dtype)
    s["shared.first"] = big[:6].view(2, 3)         # offset 0 into a shared 30-element storage
    s["shared.second"] = big[10:22].view(3, 4)     # offset 10
    s["transposed"] = s["cube"][0].t()             # (4, 3), stride (1, 4): non-contiguous
    s["strided"] = big.view(5, 6)[1::2, ::3]       # (2, 2), stride (12, 3), offset 6
    s["param"] = torch.nn.Parameter(torch.tensor([1.5, -0.25]).to(dtype), requires_grad=False)
    s["position_ids"] = torch.arange(5).view(1, 5)  # int64 buffer
    s["attn.bias"] = torch.tril(torch.ones(3, 3, dtype=torch.uint8))
    return s


def write_zip_pickle(path, pickle_bytes, compress=False):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/version", "3\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    expected = {}
    dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}

    for name, dt in dtypes.items():
        st = base_state(dt)
        st["position_ids"] = torch.arange(5).view(1, 5)
        save_file({k: v.contiguous() for k, v in st.items()}, os.path.join(ROOT, f"st-{name}.safetensors"))
        expected[f"st-{name}.safetensors"] = describe(st)

        tb = torch_state(dt)
        torch.save(tb, os.path.join(ROOT, f"bin-{name}.bin"))
        expected[f"bin-{name}.bin"] = describe(tb)
    st64 = {"double": torch.tensor([[1.0 / 3, -2.0e-3], [7.0, 1.0e30]], dtype=torch.float64)}
    save_file(st64, os.path.join(ROOT, "st-f64.safetensors"))
    expected["st-f64.safetensors"] = describe(st64)

    # A model directory holding both formats with different values: safetensors must win.
    both = os.path.join(ROOT, "dir-both")
    os.makedirs(both)
    save_file({"w": torch.tensor([1.0, 2.0])}, os.path.join(both, "model.safetensors"))
    torch.save({"w": torch.tensor([3.0, 4.0])}, os.path.join(both, "pytorch_model.bin"))
    only_bin = os.path.join(ROOT, "dir-bin")
    os.makedirs(only_bin)
    torch.save({"w": torch.tensor([5.0, 6.0])}, os.path.join(only_bin, "pytorch_model.bin"))
    os.makedirs(os.path.join(ROOT, "dir-empty"))
    with open(os.path.join(ROOT, "dir-empty", "README"), "w") as f:
        f.write("a model directory without weights\n")

    # Sharded safetensors, as save_pretrained(max_shard_size=...) writes it.
    sharded = os.path.join(ROOT, "dir-sharded")
    os.makedirs(sharded)
    save_file({"a": torch.tensor([1.0, 2.0])}, os.path.join(sharded, "model-00001-of-00002.safetensors"))
    save_file({"b": torch.tensor([[3.0], [4.0]])}, os.path.join(sharded, "model-00002-of-00002.safetensors"))
    with open(os.path.join(sharded, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 16}, "weight_map": {
            "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}, f)

    # --- bad files ---
    bad = os.path.join(ROOT, "bad")
    os.makedirs(bad)
    # A pickle that would run os.system("echo pwned") under pickle.load.
    evil = b"\x80\x02cos\nsystem\nq\x00X\x0b\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."
    write_zip_pickle(os.path.join(bad, "os-system.bin"), evil)
    # What legacy torch writes for storages pickled by value.
    from_bytes = b"\x80\x02ctorch.storage\n_load_from_bytes\nq\x00C\x00\x85q\x01Rq\x02."
    write_zip_pickle(os.path.join(bad, "load-from-bytes.bin"), from_bytes)
    # A good pickle in a deflated zip.
    buf = io.BytesIO()
    torch.save({"w": torch.tensor([1.0])}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("data.pkl")][0])
    write_zip_pickle(os.path.join(bad, "compressed.bin"), pkl, compress=True)
    torch.save({"w": torch.tensor([1.0, 2.0])}, os.path.join(bad, "legacy.bin"), _use_new_zipfile_serialization=False)
    good_bin = open(os.path.join(ROOT, "bin-f32.bin"), "rb").read()
    open(os.path.join(bad, "truncated.bin"), "wb").write(good_bin[: len(good_bin) // 2])
    good_st = open(os.path.join(ROOT, "st-f32.safetensors"), "rb").read()
    (n,) = struct.unpack("<Q", good_st[:8])
    open(os.path.join(bad, "truncated.safetensors"), "wb").write(good_st[: 8 + n + 10])
    open(os.path.join(bad, "header-too-long.safetensors"), "wb").write(struct.pack("<Q", 1 << 20) + good_st[8:200])
    junk = b"{not json"
    open(os.path.join(bad, "header-not-json.safetensors"), "wb").write(struct.pack("<Q", len(junk)) + junk)

    def st_with(header, data):
        h = json.dumps(header).encode()
        h += b" " * (-len(h) % 8)
        return struct.pack("<Q", len(h)) + h + data

    open(os.path.join(bad, "wrong-size.safetensors"), "wb").write(
        st_with({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}, bytes(24)))
    open(os.path.join(bad, "out-of-range.safetensors"), "wb").write(
        st_with({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [8, 32]}}, bytes(24)))
    open(os.path.join(bad, "unknown-dtype.safetensors"), "wb").write(
        st_with({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, bytes(2)))
    open(os.path.join(bad, "empty.safetensors"), "wb").close()
    open(os.path.join(bad, "not-a-checkpoint.bin"), "wb").write(b"hello, this is text\n")

    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
