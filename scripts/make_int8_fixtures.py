#!/opt/ref/bin/python
"""Builds Tests/Fixtures/expected/int8/<model>.json: what transformers computes with exactly the
engine's int8 weights, for the int8 exactness test (QuantizedModelTests).

The engine's int8 mode (docs/quantization.md, Sources/Vision/Quant/QuantizedRows.swift) replaces
every weight matrix W (as `(out, in)`: GPT-2 `Conv1D` weights transposed, the patch `Conv2d`
flattened to `(out, channels*P*P)`) by `q * scale` with, per output row o, in float32:

    scale[o] = max_i |W[o, i]| / 127
    q[o, i]  = clamp(round_half_to_even(W[o, i] / scale[o]), -127, 127)   (0 when scale[o] == 0)

and keeps LayerNorms, biases, `cls_token`, position embeddings and `wpe` in fp32. The tied LM
head is `wte`, quantized once. This script applies the same rounding to the fixture models in
transformers ("fake quantization": the weights become the fp32 values q * scale), runs greedy and
beam-4 generation on every parity fixture image, and records the tokens, the step-0 logits
(<model>.logits0.f32: little-endian float32, one row of V per image in sorted-stem order), the
decision margins (as scripts/make_fixtures.py measures them: it refuses to write fixtures whose
decisions are closer than its thresholds, since float rounding could then flip them), and, for
the record, the fp32 tokens of the same settings.

    /opt/ref/bin/python scripts/make_int8_fixtures.py [--fixtures Tests/Fixtures]

Pinned to the reference stack of scripts/make_fixtures.py (transformers 4.40.2, torch 1.13.1).
Every run writes the same bytes.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (reuses its pinned-version check, loader and Margins)

MODELS = ["tiny-st", "tiny-bin"]
SETTINGS = [{"num_beams": 1}, {"num_beams": 4}]
SCHEME = ("per-output-row symmetric int8: scale = max|W[o,:]| / 127 (float32), "
          "q = clamp(round_half_even(W / scale), -127, 127), W := q * scale (float32); "
          "every matrix of ModelWeights.matrices, as (out, in); LayerNorms, biases, cls_token, "
          "position embeddings and wpe stay fp32; the tied LM head is wte")


def quantize_rows(w2):
    """(out, in) float32 -> the float32 values q * scale the engine computes with."""
    import torch

    scale = w2.abs().amax(dim=1, keepdim=True) / 127
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.round(w2 / safe), -127, 127)
    q = torch.where(scale > 0, q, torch.zeros_like(q))
    return q * scale


def is_conv1d(key):
    return key.startswith("decoder.transformer.h.") and any(
        p in key for p in (".c_attn.", ".c_proj.", ".q_attn.", ".c_fc."))


def matrix_keys(model):
    """The keys ModelWeights.matrices lists, in the state dict's naming."""
    keys = []
    for key, v in model.state_dict().items():
        if not key.endswith(".weight") or v.dim() < 2:
            continue
        if key.endswith("wpe.weight") or "position_embeddings" in key or "pooler" in key:
            continue
        keys.append(key)
    return keys


def fake_quantize(model):
    """Replaces every matrix by its int8 value in place; returns how many were quantized."""
    import torch

    done = set()
    count = 0
    with torch.no_grad():
        sd = model.state_dict(keep_vars=True)
        for key in matrix_keys(model):
            p = sd[key]
            if p.data_ptr() in done:  # the tied LM head shares wte's storage
                continue
            done.add(p.data_ptr())
            w = p.data
            if is_conv1d(key):
                p.data.copy_(quantize_rows(w.t().contiguous()).t())
            else:
                p.data.copy_(quantize_rows(w.reshape(w.shape[0], -1)).reshape(w.shape))
            count += 1
    return count


def build(fixtures, name):
    import torch
    from transformers.image_utils import load_image

    directory = fixtures / "models" / name
    fp32_results = mf.json.loads((fixtures / "expected" / name / "results.json").read_text())
    fp32_settings = fp32_results["settings"]
    manifest = mf.json.loads((fixtures / "expected" / "manifest.json").read_text())
    files = {e["stem"]: e["file"] for e in manifest["images"]}
    stems = sorted(fp32_results["results"])

    model, proc, tok = mf.load_model_dir(directory)
    quantized = fake_quantize(model)
    V = model.config.decoder.vocab_size
    eos = model.generation_config.eos_token_id
    margins = mf.Margins(V, eos)
    results = {}
    logits = []  # per image, in `stems` order: (V) float32
    agree = {json_key(kw): 0 for kw in SETTINGS}
    for stem in stems:
        pv = proc(images=load_image(str(fixtures / files[stem])), return_tensors="pt").pixel_values
        with torch.no_grad():
            start = torch.tensor([[model.generation_config.decoder_start_token_id]])
            logits0 = model(pixel_values=pv, decoder_input_ids=start).logits[0, -1]
        runs = []
        for kw in SETTINGS:
            r = mf.run_generate(model, pv, dict(kw), tok, margins)
            fp32 = fp32_results["results"][stem][fp32_settings.index(kw)]["tokens"]
            r["fp32_tokens"] = fp32
            agree[json_key(kw)] += r["tokens"] == fp32
            runs.append(r)
        results[stem] = runs
        logits.append(mf.f32_bytes(logits0))
    report = margins.report()
    report["ok"] = margins.ok()
    payload = {
        "model": name,
        "about": "VisionEncoderDecoderModel.generate(pixel_values, **settings) on CPU float32 "
                 "(torch.no_grad) with every weight matrix replaced by its int8 value (scheme). "
                 "tokens as generate returns them (decoder start first); fp32_tokens = the same setting on the fp32 model "
                 "(expected/<model>/results.json).",
        "generator": "scripts/make_int8_fixtures.py",
        "versions": {k: v for k, v in mf.check_versions().items()},
        "scheme": SCHEME,
        "quantized_matrices": quantized,
        "margins": report,
        "thresholds": {"greedy_top1_top2_min": mf.GREEDY_MIN_GAP, "beam_gap_min": mf.BEAM_MIN_GAP},
        "agreement_with_fp32": {k: f"{v}/{len(stems)}" for k, v in agree.items()},
        "settings": SETTINGS,
        "logits0": {"file": f"{name}.logits0.f32", "shape": [len(stems), V],
                    "rows": "images in the order of results' keys (sorted stems)"},
        "results": results,
    }
    return payload, b"".join(logits)


def json_key(kw):
    return mf.json.dumps(kw, sort_keys=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", type=Path, default=mf.DEFAULT_OUT)
    args = ap.parse_args()
    mf.check_versions()
    out = args.fixtures / "expected" / "int8"
    failures = []
    built = {name: build(args.fixtures, name) for name in MODELS}
    for name, (payload, _) in built.items():
        print(f"[{name}] margins ok {payload['margins']['ok']}: "
              f"greedy min {payload['margins']['greedy_top1_top2']['min']}; "
              f"int8 vs fp32 agreement {payload['agreement_with_fp32']}")
        if not payload["margins"]["ok"]:
            failures.append(f"{name}: decisions closer than the thresholds: {payload['margins']}")
    if failures:
        sys.exit("make_int8_fixtures.py: not writing fixtures:\n" + "\n".join(failures))
    for name, (payload, logits) in built.items():
        mf.write_json(out / f"{name}.json", payload)
        mf.write_bytes(out / f"{name}.logits0.f32", logits)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
