#!/usr/bin/env python3
"""Creates a random-weight checkpoint with the full-size GPT-2 decoder and a one-layer, 32x32 ViT.

For timing the decoder under callgrind (scripts/dev/compare_decoder): the decoder is the
benchmark model's (768 wide, 12 layers, 12 heads, 50257 tokens, with cross-attention), so every
decoder step costs what it costs in the real model, but the encoder (1 layer on 4 patches) costs
almost nothing, so a whole `assistd bench` run fits in a few minutes of callgrind. The image sees
5 encoder tokens instead of 197, so cross-attention is cheaper than in the real model.

The tokenizer and generation files are copied from the benchmark model that
scripts/make_bench_model.py writes (Benchmarks/work/model-fp32). Nothing here is committed.

    /opt/ref/bin/python scripts/dev/make_decoder_model.py    # writes Benchmarks/work/model-decoder
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from transformers import GPT2Config, ViTConfig, VisionEncoderDecoderConfig, VisionEncoderDecoderModel

REPO = Path(__file__).resolve().parent.parent.parent
COPIED = ["generation_config.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-model", type=Path, default=REPO / "Benchmarks" / "work" / "model-fp32")
    ap.add_argument("--out", type=Path, default=REPO / "Benchmarks" / "work" / "model-decoder")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    encoder = ViTConfig(hidden_size=768, num_hidden_layers=1, num_attention_heads=12, intermediate_size=3072,
                        image_size=32, patch_size=16)
    decoder = GPT2Config(n_embd=768, n_layer=12, n_head=12, vocab_size=50257, n_positions=1024,
                         add_cross_attention=True, is_decoder=True, bos_token_id=50256, eos_token_id=50256)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = 50256
    config.pad_token_id = 50256
    config.eos_token_id = 50256
    model = VisionEncoderDecoderModel(config=config).eval()
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)
    for name in COPIED:
        shutil.copy(args.bench_model / name, args.out / name)
    pre = json.loads((args.bench_model / "preprocessor_config.json").read_text())
    pre["size"] = {"height": 32, "width": 32}
    (args.out / "preprocessor_config.json").write_text(json.dumps(pre, indent=2))
    print(f"make_decoder_model: wrote {args.out}")


if __name__ == "__main__":
    main()
