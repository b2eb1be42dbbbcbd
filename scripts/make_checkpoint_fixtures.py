#!/usr/bin/env python3
"""Makes Tests/Fixtures/checkpoint-unit: tiny state dicts for the checkpoint loader tests.

Run with the reference environment: /opt/ref/bin/python scripts/make_checkpoint_fixtures.py
Also makes checkpoint-unit/tokenizer: a tiny byte-level BPE trained here, saved in four directory
layouts, and cases.json with encode/decode results of transformers' AutoTokenizer for each.

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
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w") as z:
        for name, data in (("archive/data.pkl", pickle_bytes), ("archive/version", b"3\n")):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)


def write_zip64_copy(src, dst):
    """Rewrites a torch zip with every size and offset in ZIP64 form, as PyTorchStreamWriter does
    for archives over 4 GB, so the reader's ZIP64 path is tested on a tiny file."""
    with zipfile.ZipFile(src) as z:
        records = [(info.filename.encode(), z.read(info)) for info in z.infolist()]
    out = bytearray()
    central = bytearray()
    for name, data in records:
        offset = len(out)
        crc = zipfile.crc32(data)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(local_extra))
        out += name + local_extra + data
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += name + extra
    cd_offset = len(out)
    out += central
    eocd64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(records), len(records), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(dst, "wb") as f:
        f.write(out)
    with zipfile.ZipFile(dst) as z:  # Python's reader agrees it is a valid archive.
        assert [z.read(n.decode()) for n, _ in records] == [d for _, d in records]


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
    write_zip64_copy(os.path.join(ROOT, "bin-f32.bin"), os.path.join(ROOT, "bin-f32-zip64.bin"))
    expected["bin-f32-zip64.bin"] = expected["bin-f32.bin"]
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


CORPUS = [
    "A man riding a horse on a beach.", "A dog is sitting on a couch next to a remote control.",
    "A bottle of water on a wooden table.", "The label says: 2 tablets, 3 times a day.",
    "Two people are standing in front of a red car.", "a close up of a can of soda",
    "don't, can't, won't, it's, you're, we've, they'll, I'm, she'd", "café au lait, crème brûlée, Zürich, naïve",
    "日本語のテキストと絵文字", "Ελληνικά και русский текст", "emoji 😀 👍🏽 🇫🇷 👨‍👩‍👧", "numbers 123 4567 89.5% ½",
]


def tokenizer_fixtures():
    from tokenizers import ByteLevelBPETokenizer
    from transformers import AutoTokenizer, GPT2TokenizerFast

    root = os.path.join(ROOT, "tokenizer")
    trained = os.path.join(root, "_trained")
    os.makedirs(trained)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS * 3, vocab_size=520, min_frequency=1, special_tokens=["<|endoftext|>"], show_progress=False)
    bpe.save_model(trained)

    def make(name, keep, **config):
        d = os.path.join(root, name)
        tok = GPT2TokenizerFast(vocab_file=os.path.join(trained, "vocab.json"), merges_file=os.path.join(trained, "merges.txt"), **config)
        if name != "plain":
            tok.add_tokens(["<sep>", " zebra", "\n", "ñandú"])
            tok.add_special_tokens({"additional_special_tokens": ["<|cap|>"], "pad_token": "<pad>"})
        tok.save_pretrained(d)
        for f in os.listdir(d):
            if f not in keep:
                os.remove(os.path.join(d, f))
        if name == "plain":
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump({"model_type": "gpt2"}, f)
        return d

    slow_files = {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}
    dirs = {
        "slow": make("slow", slow_files),
        "fast": make("fast", {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}),
        "plain": make("plain", {"vocab.json", "merges.txt"}),
        "prefix-nocleanup": make("prefix-nocleanup", slow_files, add_prefix_space=True, clean_up_tokenization_spaces=False),
    }
    shutil.rmtree(trained)

    texts = CORPUS + [
        "", " ", "  leading and trailing  ", "tabs\tand\nnewlines\n\n  \n", "a  b   c    d",
        "DON'T 'S 'stop x's y'S 're'", "numbers 123 4567 3.14 ١٢٣ ½ Ⅻ ²", "e\u0301 combining; Å vs A\u030a",
        "😀😀 👨‍👩‍👧‍👦 🇫🇷🇩🇪 🏳️‍🌈 👍🏽 ❤️", "<|endoftext|>text<|endoftext|> <|endoftext|>", "a<sep>b <sep> c<|cap|>d",
        "hello zebra zebra, zebras", "line one\nline two\n", "ñandú and ñandúes", "non-breaking\u00a0space\u2003em\u3000ideo\u200bzw",
        "punctuation!!! ... ?? ,, ;; -- __", "mixed123abc ABC123def", "\u0085next\u2028line\u2029para\x0bvt\x0cff",
        "Hello , world . isn 't it ? yes ! I 'm we 've they 're it 's ' quoted ' end", "  ", "\n", "\t\t x",
        "Ünïcödé ΑΒΓ αβγ Кириллица ﬁ ǅ", "Ⅻ ⅻ 〇 𝟙𝟚 𐍈", "tab\t\tthen  space", "trailing space ",
    ]
    byte_char = {b: c for b, c in zip(*_bytes_to_unicode())}
    invalid = [b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98a", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80",
               b"\xff", b"\x80", b"a\xe2\x82\xac\xe2b", b"\xf0\x9f\x98\x80\xf0\x9f", b"\xe0\x80\x80", b"\xf8\x88\x80\x80\x80"]
    import random
    rng = random.Random(11)
    out = {"directories": sorted(dirs), "encode": [], "decode": []}
    for name, d in sorted(dirs.items()):
        tok = AutoTokenizer.from_pretrained(d)
        assert tok.is_fast, name
        sequences = []
        for text in texts:
            ids = tok.encode(text)
            out["encode"].append({"dir": name, "text": text, "ids": ids})
            sequences.append(ids)
        for raw in invalid:
            sequences.append(tok.convert_tokens_to_ids([byte_char[b] for b in raw]))
        size = len(tok)
        for _ in range(25):
            sequences.append([rng.randrange(0, size + 5) for _ in range(rng.randrange(1, 12))])
        sequences.append([size + 100, 3, size, 1])
        for ids in sequences:
            for skip in (True, False):
                out["decode"].append({"dir": name, "ids": ids, "skip": skip, "text": tok.decode(ids, skip_special_tokens=skip)})
    # Pre-tokenizer pieces (code point offsets) of random strings over tricky characters.
    from tokenizers.pre_tokenizers import ByteLevel
    pool = list("aZs'tdmlrev 09\t\n\r.,!?-_") + [
        "\u00a0", "\u2003", "\u3000", "\u200b", "\u0085", "\u180e", "\ufeff", "\u2028", "\x0b", "\x1c",
        "\u0301", "\u0663", "\u00bd", "\u216b", "\u00b2", "\u4e2d", "\u3042", "\uac00", "\u0915", "\u093f",
        "\u0e01", "\u0e34", "\U0001F600", "\u200d", "\ufe0f", "\U0001F1EB", "\U0001F3FD", "\u00df", "\u01c5",
        "\u02b0", "\u2019", "\u00e9", "\U0001D7D9", "\U00010348", "\u2163", "\u3007", "\u00aa", "\u0640",
    ]
    pre = ByteLevel(add_prefix_space=False, use_regex=True)
    out["pretokenize"] = []
    for _ in range(400):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 24)))
        out["pretokenize"].append({"text": text, "offsets": [list(o) for _, o in pre.pre_tokenize_str(text)]})
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return bs, [chr(c) for c in cs]


if __name__ == "__main__":
    main()
    tokenizer_fixtures()
