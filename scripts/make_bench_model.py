#!/usr/bin/env python3
"""Creates the full-size random-weight benchmark checkpoint, and the benchmark photo.

The checkpoint has the shapes of the VizWiz captioning checkpoints: a ViT-base encoder
(google/vit-base-patch16-224-in21k: 768 wide, 12 layers, 12 heads, 3072 MLP, 224x224, patch 16)
and a GPT-2 decoder (gpt2: 768 wide, 12 layers, 12 heads, 1024 positions, 50257 tokens) with
cross-attention, about 239M parameters. transformers builds and saves it, so the layout and key
names are exactly what `VisionEncoderDecoderModel.save_pretrained` writes: model.safetensors
(fp32), config.json, generation_config.json, preprocessor_config.json and a GPT-2-format
byte-level BPE tokenizer (vocab.json + merges.txt) of exactly 50257 tokens.

The real GPT-2 vocabulary cannot be downloaded here, so the tokenizer is trained with the
`tokenizers` library on a synthetic corpus made from a fixed seed: 256 byte tokens, 50000 merges
and <|endoftext|> at id 50256, as in GPT-2. Weights come from transformers' own initialisation
under a fixed torch seed. Nothing here is committed except the photo (see --photo).

Run with a Python that has torch, transformers, tokenizers and safetensors, e.g.
    /opt/ref/bin/python scripts/make_bench_model.py            # makes Benchmarks/work/model-fp32
    /opt/ref/bin/python scripts/make_bench_model.py --photo Benchmarks/photo.jpg
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "Benchmarks" / "work" / "model-fp32"
VOCAB_SIZE = 50257  # gpt2
MERGES = VOCAB_SIZE - 256 - 1  # byte alphabet and <|endoftext|>
EOS = "<|endoftext|>"
REQUIRED = ["config.json", "generation_config.json", "preprocessor_config.json", "model.safetensors",
            "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"]


def bytes_to_unicode():
    """GPT-2's byte-to-printable-character table, in GPT-2's id order (ids 0-255)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def synthetic_corpus(path, seed=0, lines=120_000):
    """English-like text from syllables under a Zipf-like law: rich enough for 50000 merges."""
    rng = random.Random(seed)
    onsets = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
              "w", "y", "z", "bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr",
              "sc", "sh", "sk", "sl", "sm", "sn", "sp", "st", "str", "sw", "th", "tr", "wh", "qu"]
    nuclei = ["a", "e", "i", "o", "u", "y", "ai", "ea", "ee", "ie", "oa", "oo", "ou", "ue", "au"]
    codas = ["", "", "", "b", "ck", "d", "ff", "g", "ll", "m", "n", "ng", "nd", "nt", "p", "r",
             "rd", "rn", "rt", "s", "ss", "st", "t", "th", "x", "ght", "sh", "ch", "ve", "ze"]

    def word():
        return "".join(rng.choice(onsets) + rng.choice(nuclei) + rng.choice(codas)
                       for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])))

    lexicon = [word() for _ in range(60_000)]
    weights = [1.0 / (i + 1) for i in range(len(lexicon))]
    punct = [",", ".", ";", ":", "!", "?", "'s", "-", "(", ")", "\"", "'"]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            words = rng.choices(lexicon, weights, k=rng.randint(6, 24))
            out = []
            for i, w in enumerate(words):
                r = rng.random()
                if r < 0.08:
                    w = w.capitalize()
                elif r < 0.10:
                    w = w.upper()
                elif r < 0.13:
                    w = str(rng.randint(0, 99999))
                if rng.random() < 0.1:
                    w += rng.choice(punct)
                out.append(w)
            f.write(" ".join(out) + ".\n")


def build_tokenizer(out):
    """Writes vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        synthetic_corpus(corpus)
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer = trainers.BpeTrainer(vocab_size=256 + MERGES, min_frequency=2, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tok.train([corpus], trainer)
        trained = json.loads(tok.to_str())["model"]["merges"]

    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained]
    # GPT-2 order: the 256 byte characters, then one token per merge, then <|endoftext|>.
    vocab = {}
    for ch in bytes_to_unicode().values():
        vocab[ch] = len(vocab)
    for a, b in merges:
        assert a in vocab and b in vocab and a + b not in vocab, (a, b)
        vocab[a + b] = len(vocab)
    # Pad with further valid merges (pairs of existing tokens whose join is new) if training
    # stopped early, so the vocabulary has GPT-2's exact size.
    pad = 0
    if len(merges) < MERGES:
        pieces = [t for t in vocab if len(t) >= 2]
        for a in pieces:
            for b in pieces:
                if len(merges) >= MERGES:
                    break
                if a + b not in vocab:
                    merges.append((a, b))
                    vocab[a + b] = len(vocab)
                    pad += 1
            if len(merges) >= MERGES:
                break
    merges = merges[:MERGES]
    vocab = {t: i for t, i in vocab.items() if i < 256 + MERGES}
    vocab[EOS] = len(vocab)
    assert len(vocab) == VOCAB_SIZE and vocab[EOS] == VOCAB_SIZE - 1, len(vocab)

    with open(out / "vocab.json", "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(out / "merges.txt", "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    special = {"bos_token": EOS, "eos_token": EOS, "unk_token": EOS}
    with open(out / "special_tokens_map.json", "w") as f:
        json.dump(special, f, indent=2)
    with open(out / "tokenizer_config.json", "w") as f:
        json.dump({"add_prefix_space": False, "model_max_length": 1024,
                   "tokenizer_class": "GPT2Tokenizer", "clean_up_tokenization_spaces": True,
                   **special}, f, indent=2)
    return len(merges) - pad, pad


def build_model(out, seed):
    import torch
    from transformers import (GenerationConfig, GPT2Config, ViTConfig, ViTImageProcessor,
                              VisionEncoderDecoderConfig, VisionEncoderDecoderModel)

    torch.manual_seed(seed)
    encoder = ViTConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, image_size=224, patch_size=16, qkv_bias=True)
    decoder = GPT2Config(n_embd=768, n_layer=12, n_head=12, n_positions=1024, vocab_size=VOCAB_SIZE,
                         bos_token_id=VOCAB_SIZE - 1, eos_token_id=VOCAB_SIZE - 1,
                         add_cross_attention=True, is_decoder=True)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = VOCAB_SIZE - 1
    config.pad_token_id = VOCAB_SIZE - 1
    config.eos_token_id = VOCAB_SIZE - 1
    model = VisionEncoderDecoderModel(config=config).eval()
    params = sum(p.numel() for p in model.parameters())
    model.generation_config = GenerationConfig(
        decoder_start_token_id=VOCAB_SIZE - 1, bos_token_id=VOCAB_SIZE - 1,
        eos_token_id=VOCAB_SIZE - 1, pad_token_id=VOCAB_SIZE - 1, max_length=32, num_beams=1)
    model.save_pretrained(out, safe_serialization=True)
    ViTImageProcessor().save_pretrained(out)
    return params


def check(out):
    """Loads everything back through transformers, as the reference benchmark will."""
    import torch
    from transformers import AutoTokenizer, VisionEncoderDecoderModel, ViTImageProcessor

    for fast in (False, True):
        tok = AutoTokenizer.from_pretrained(out, use_fast=fast)
        assert len(tok) == VOCAB_SIZE, (fast, len(tok))
        text = "A photo of a red bus, parked near 42 trees."
        ids = tok(text)["input_ids"]
        assert tok.decode(ids) == text, (fast, tok.decode(ids))
        assert tok.decode([VOCAB_SIZE - 1] + ids, skip_special_tokens=True) == text
    model = VisionEncoderDecoderModel.from_pretrained(out).eval()
    ViTImageProcessor.from_pretrained(out)
    with torch.no_grad():
        ids = model.generate(torch.zeros(1, 3, 224, 224), max_new_tokens=3, min_new_tokens=3)
    assert ids.shape == (1, 4), ids.shape
    return sum(p.numel() for p in model.parameters())


def make_photo(path, seed=0):
    """A 640x480 photo-like JPEG: sky and ground gradients, a sun, a house, trees, sensor noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    w, h = 640, 480
    y = np.linspace(0, 1, h)[:, None, None]
    sky = np.array([70, 130, 200]) * (1 - y) + np.array([200, 220, 240]) * y
    ground = np.array([90, 140, 60]) * (1 - y) + np.array([50, 90, 30]) * y
    horizon = int(h * 0.58)
    img = np.where(np.arange(h)[:, None, None] < horizon, sky, ground) * np.ones((1, w, 1))
    im = Image.fromarray(img.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.ellipse([480, 50, 560, 130], fill=(250, 240, 190))
    d.rectangle([180, 180, 380, 330], fill=(180, 70, 50))
    d.polygon([(160, 185), (280, 100), (400, 185)], fill=(90, 50, 40))
    d.rectangle([250, 250, 300, 330], fill=(70, 45, 30))
    d.rectangle([200, 210, 240, 245], fill=(200, 220, 250))
    d.rectangle([320, 210, 360, 245], fill=(200, 220, 250))
    for x in (60, 110, 450, 560, 610):
        d.rectangle([x - 6, 230, x + 6, 320], fill=(80, 55, 35))
        d.ellipse([x - 40, 150, x + 40, 260], fill=(40, 100 + x % 40, 40))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    arr = np.asarray(im).astype(np.float32) + rng.normal(0, 6, (h, w, 3))
    Image.fromarray(arr.clip(0, 255).astype(np.uint8)).save(path, quality=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model directory")
    ap.add_argument("--force", action="store_true", help="rebuild even if the model exists")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--photo", type=Path, help="write the benchmark photo here and exit")
    args = ap.parse_args()

    if args.photo:
        make_photo(args.photo)
        print(f"make_bench_model: wrote {args.photo}")
        return 0
    if not args.force and all((args.out / f).is_file() for f in REQUIRED):
        print(f"make_bench_model: {args.out} exists (use --force to rebuild)")
        return 0
    import tokenizers
    import torch
    import transformers
    tmp = args.out.with_name(args.out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    trained, pad = build_tokenizer(tmp)
    params = build_model(tmp, args.seed)
    loaded = check(tmp)
    assert loaded == params, (loaded, params)
    shutil.rmtree(args.out, ignore_errors=True)
    tmp.rename(args.out)
    info = {"parameters": params, "trained_merges": trained, "padded_merges": pad,
            "torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "python": sys.executable, "seed": args.seed}
    with open(args.out / "bench_model_info.json", "w") as f:
        json.dump(info, f, indent=2)
    print(f"make_bench_model: wrote {args.out}: {json.dumps(info)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
