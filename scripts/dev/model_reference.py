#!/opt/ref/bin/python
"""Dev-only reference dumps for the Swift model and generation code.

Builds tiny random VisionEncoderDecoder checkpoints with transformers 4.40.2 and writes, in the
fixture layout of COMMON.md, pixels / encoder output / step-0 logits and the token ids `generate`
returns for many settings. The committed fixtures come from scripts/make_fixtures.py; this script
only lets the model code be tested before those exist, and covers options the fixtures may not
(enc_to_dec_proj, reorder_and_upcast_attn, scale_attn_by_inverse_layer_idx, other activations).

usage: scripts/dev/model_reference.py OUT_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import (GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel,
                          ViTConfig)

SETTINGS = {
    "default": {},
    "max_new_tokens_5": {"max_new_tokens": 5},
    "max_length_12": {"max_length": 12},
    "beams2": {"num_beams": 2},
    "beams3_early_true": {"num_beams": 3, "early_stopping": True},
    "beams4": {"num_beams": 4},
    "beams4_never": {"num_beams": 4, "early_stopping": "never"},
    "beams4_never_lp_neg": {"num_beams": 4, "early_stopping": "never", "length_penalty": -1.0},
    "beams3_lp2": {"num_beams": 3, "length_penalty": 2.0},
    "beams3_lp0.5_max16": {"num_beams": 3, "length_penalty": 0.5, "max_length": 16},
    "greedy_no_repeat_2": {"no_repeat_ngram_size": 2},
    "beams3_no_repeat_3": {"num_beams": 3, "no_repeat_ngram_size": 3},
    "greedy_rep_1.5": {"repetition_penalty": 1.5},
    "beams2_rep_1.3": {"num_beams": 2, "repetition_penalty": 1.3},
    "greedy_min_length_10": {"min_length": 10},
    "beams3_min_new_8": {"num_beams": 3, "min_new_tokens": 8},
    "beams5_max_new_7": {"num_beams": 5, "max_new_tokens": 7},
    "greedy_no_repeat_1": {"no_repeat_ngram_size": 1},
}

MODELS = {
    # Same widths, tanh GELU in the decoder, exact GELU in the encoder.
    "dev-st": dict(
        enc=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48,
                 image_size=32, patch_size=8, hidden_act="gelu", layer_norm_eps=1e-12),
        dec=dict(vocab_size=96, n_positions=40, n_embd=32, n_layer=2, n_head=4,
                 bos_token_id=95, eos_token_id=95, activation_function="gelu_new"),
        top=dict(decoder_start_token_id=95, pad_token_id=95, eos_token_id=95),
        gen=dict(max_length=20, num_beams=1),
        std=0.35, eos_boost=1.6),
    # Encoder wider than decoder: enc_to_dec_proj; exotic attention options and activations.
    "dev-proj": dict(
        enc=dict(hidden_size=40, num_hidden_layers=2, num_attention_heads=5, intermediate_size=64,
                 image_size=24, patch_size=6, hidden_act="quick_gelu", layer_norm_eps=1e-6, qkv_bias=False),
        dec=dict(vocab_size=80, n_positions=48, n_embd=24, n_layer=3, n_head=3, n_inner=40,
                 bos_token_id=1, eos_token_id=2, activation_function="gelu_pytorch_tanh",
                 scale_attn_by_inverse_layer_idx=True,
                 layer_norm_epsilon=1e-6),
        top=dict(decoder_start_token_id=1, pad_token_id=0, eos_token_id=2),
        gen=None,
        std=0.4, eos_boost=2.4),
    # reorder_and_upcast_attn: torch 1.13's baddbmm(beta=0) over torch.empty() can leak NaN from
    # uninitialised memory, so the reference runs with torch.empty patched to torch.zeros. Even
    # so its cached generate() is not repeatable; only the full-forward logits are trusted.
    "dev-upcast": dict(
        enc=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=40,
                 image_size=16, patch_size=4, hidden_act="relu"),
        dec=dict(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=2,
                 bos_token_id=63, eos_token_id=63, activation_function="gelu_fast",
                 reorder_and_upcast_attn=True, scale_attn_by_inverse_layer_idx=True),
        top=dict(decoder_start_token_id=63, eos_token_id=63),
        gen=dict(max_length=12),
        std=0.35, eos_boost=1.8),
}


def build(spec, seed):
    torch.manual_seed(seed)
    enc = ViTConfig(**spec["enc"])
    dec = GPT2Config(add_cross_attention=True, is_decoder=True, **spec["dec"])
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    for k, v in spec["top"].items():
        setattr(cfg, k, v)
    model = VisionEncoderDecoderModel(config=cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() >= 2:
                p.normal_(0.0, spec["std"])
            elif "ln" in name or "layernorm" in name:
                p.normal_(1.0 if name.endswith("weight") else 0.0, 0.1)
            else:
                p.normal_(0.0, 0.05)
        eos = spec["dec"]["eos_token_id"]
        wte = model.decoder.transformer.wte.weight
        wte[eos] *= spec["eos_boost"]
    return model


def main():
    out = Path(sys.argv[1])
    empty = torch.empty
    torch.empty = lambda *a, **k: torch.zeros(*a, **{x: y for x, y in k.items() if x != "memory_format"})
    torch.empty.__wrapped__ = empty
    for seed, (name, spec) in enumerate(MODELS.items()):
        model = build(spec, 1234 + seed)
        mdir = out / "models" / name
        model.save_pretrained(mdir, safe_serialization=True)
        gen_file = mdir / "generation_config.json"
        if spec["gen"] is None:
            gen_file.unlink(missing_ok=True)
        else:
            g = json.loads(gen_file.read_text())
            g.update(spec["gen"])
            g.pop("_from_model_config", None)
            gen_file.write_text(json.dumps(g, indent=2))
        model = VisionEncoderDecoderModel.from_pretrained(mdir).eval()
        edir = out / "expected" / name
        edir.mkdir(parents=True, exist_ok=True)
        size = spec["enc"]["image_size"]
        rng = np.random.default_rng(seed)
        results, prefixes = {}, {}
        for i in range(4):
            stem = f"img{i}"
            px = torch.from_numpy(rng.uniform(-1, 1, (1, 3, size, size)).astype(np.float32))
            with torch.no_grad():
                enc = model.encoder(pixel_values=px).last_hidden_state
                start = model.generation_config.decoder_start_token_id
                o = model(pixel_values=px, decoder_input_ids=torch.tensor([[start]]))
            px[0].numpy().astype("<f4").tofile(edir / f"{stem}.pixels.f32")
            enc[0].numpy().astype("<f4").tofile(edir / f"{stem}.encoder.f32")
            o.logits[0, -1].numpy().astype("<f4").tofile(edir / f"{stem}.logits0.f32")
            per = []
            for sname, kw in SETTINGS.items():
                with torch.no_grad():
                    toks = model.generate(px, **kw)[0].tolist()
                per.append({"name": sname, "settings": kw, "tokens": toks})
            # a long greedy prefix for prefill-vs-cache checks
            with torch.no_grad():
                toks = model.generate(px, max_new_tokens=8, min_new_tokens=8)[0].tolist()
                full = model(pixel_values=px, decoder_input_ids=torch.tensor([toks])).logits[0]
            full.numpy().astype("<f4").tofile(edir / f"{stem}.prefix_logits.f32")
            prefixes[stem] = toks
            results[stem] = per
        # Same shape as scripts/make_fixtures.py's results.json, plus the prefill prefixes.
        (edir / "results.json").write_text(json.dumps({"model": name, "results": results,
                                                       "prefixes": prefixes}, indent=1))
        print(name, "mean lengths", {r["name"]: sum(len(results[k][j]["tokens"]) for k in results) / 4
                                     for j, r in enumerate(results["img0"])})


if __name__ == "__main__":
    main()
