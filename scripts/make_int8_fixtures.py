#!/opt/ref/bin/python
"""Builds Tests/Fixtures/expected/int8/<model>.json: what transformers computes with exactly the
engine's int8 weights, for the int8 exactness test (QuantizedModelTests).

The engine's int8 mode (docs/quantization.md, Sources/Vision/Quant/QuantizedRows.swift) replaces
every weight matrix W (as `(out, in)`: GPT-2 `Conv1D` weights transposed, the patch `Conv2d`
flattened to `(out, channels*P*P)`) by int8 rows with, per output row o, in float32:

    scale[o] = max_i |W[o, i]| / 127
    q[o, i]  = clamp(round_half_to_even(W[o, i] / scale[o]), -127, 127)   (0 when scale[o] == 0)

and keeps LayerNorms, biases, `cls_token`, position embeddings and `wpe` in fp32. The tied LM
head is `wte`, quantized once.

Where many rows share a matrix (every ViT linear, the patch embedding, `enc_to_dec_proj` and the
cross-attention `c_attn` that makes the image's keys and values; Sources/Vision/Quant/
QuantizedProduct.swift) the engine also quantizes the activations, per row r of x (one token):

    sx[r]    = max_k |x[r, k]| / 127
    qx[r, k] = clamp(round_half_to_even(x[r, k] / sx[r]), -127, 127)      (0 when sx[r] == 0)
    y[r, o]  = float32(sum_k qx[r, k] q[o, k]) * (sx[r] * scale[o]) + bias[o]

with an exact integer sum (here in float64, exact for these magnitudes) and float32 steps. This
script replaces those modules' forward by exactly that (int8_linear), and every other matrix by
its fp32 value q * scale ("fake quantization": the decoder's few rows stay fp32 activations, as
in the engine), runs greedy and beam-4 generation on every parity fixture image, and records the tokens, the step-0 logits
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
MAX_CLOSE_RUNS = 1
SCHEME = ("per-output-row symmetric int8: scale = max|W[o,:]| / 127 (float32), "
          "q = clamp(round_half_even(W / scale), -127, 127), W := q * scale (float32); "
          "every matrix of ModelWeights.matrices, as (out, in); LayerNorms, biases, cls_token, "
          "position embeddings and wpe stay fp32; the tied LM head is wte. "
          "Shared-row matrices (ViT linears, patch embedding, enc_to_dec_proj, cross-attention c_attn) "
          "also quantize activations per row: sx = max|x[r,:]| / 127, qx = clamp(round_half_even(x / sx), -127, 127), "
          "y = float32(sum qx q) * (sx * scale) + bias")


def quantize_int8(w2):
    """(rows, k) float32 -> (q as float32 integers, scale (rows)): the engine's per-row rounding."""
    import torch

    scale = w2.abs().amax(dim=1, keepdim=True) / 127
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.round(w2 / safe), -127, 127)
    q = torch.where(scale > 0, q, torch.zeros_like(q))
    return q, scale[:, 0]


def quantize_rows(w2):
    """(out, in) float32 -> the float32 values q * scale the engine computes with."""
    q, scale = quantize_int8(w2)
    return q * scale[:, None]


def int8_linear(x2, qw, sw, bias):
    """(rows, k) float32 activations times int8 rows qw (out, k) with scales sw, as
    QuantizedProduct: activations quantized per row, exact integer sums, float32 scaling."""
    qx, sx = quantize_int8(x2)
    acc = (qx.double() @ qw.double().t()).float()  # |acc| < 2^31: exact in float64, one rounding to float32
    y = acc * (sx[:, None] * sw[None, :])
    return y if bias is None else y + bias


def shared_row_modules(model):
    """The modules whose rows share the matrix: (module, kind, the engine's name for it)."""
    mods = []
    enc = model.encoder
    mods.append((enc.embeddings.patch_embeddings.projection, "patch", "patch"))
    for i, layer in enumerate(enc.encoder.layer):
        a = layer.attention
        for m, name in ((a.attention.query, "q"), (a.attention.key, "k"), (a.attention.value, "v"),
                        (a.output.dense, "attnOut"), (layer.intermediate.dense, "inter"),
                        (layer.output.dense, "out")):
            mods.append((m, "linear", f"vit.{i}.{name}"))
    if getattr(model, "enc_to_dec_proj", None) is not None:
        mods.append((model.enc_to_dec_proj, "linear", "proj"))
    for i, block in enumerate(model.decoder.transformer.h):
        mods.append((block.crossattention.c_attn, "conv1d", f"cross.{i}"))
    return mods


def use_int8_activations(model):
    """Replaces the shared-row modules' forward by int8_linear on their int8 weights (taken
    from the fp32 weights before fake_quantize overwrites them); returns how many."""
    import torch

    mods = shared_row_modules(model)
    for mod, kind, _ in mods:
        w = mod.weight.data
        w2 = w.t().contiguous() if kind == "conv1d" else w.reshape(w.shape[0], -1)
        qw, sw = quantize_int8(w2)
        bias = None if mod.bias is None else mod.bias.data.clone()

        def forward(x, qw=qw, sw=sw, bias=bias, kind=kind, mod=mod):
            if kind == "patch":
                # Conv2d with kernel = stride = P over unfolded patches, (channel, ky, kx) per row.
                b, _, h, wd = x.shape
                p = mod.kernel_size[0]
                cols = torch.nn.functional.unfold(x, kernel_size=p, stride=p).transpose(1, 2)
                y = int8_linear(cols.reshape(-1, cols.shape[-1]), qw, sw, bias)
                return y.reshape(b, -1, qw.shape[0]).transpose(1, 2).reshape(b, qw.shape[0], h // p, wd // p)
            y = int8_linear(x.reshape(-1, x.shape[-1]), qw, sw, bias)
            return y.reshape(*x.shape[:-1], qw.shape[0])

        mod.forward = forward
    return len(mods)


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
    int8_activations = use_int8_activations(model)
    quantized = fake_quantize(model)
    V = model.config.decoder.vocab_size
    eos = model.generation_config.eos_token_id
    margins = mf.Margins(V, eos)
    results = {}
    close = []  # runs with a decision closer than the thresholds
    logits = []  # per image, in `stems` order: (V) float32
    agree = {json_key(kw): 0 for kw in SETTINGS}
    layers, layer_data = record_layers(model, proc, fixtures / files[stems[0]])
    for stem in stems:
        pv = proc(images=load_image(str(fixtures / files[stem])), return_tensors="pt").pixel_values
        with torch.no_grad():
            start = torch.tensor([[model.generation_config.decoder_start_token_id]])
            logits0 = model(pixel_values=pv, decoder_input_ids=start).logits[0, -1]
        runs = []
        for kw in SETTINGS:
            own = mf.Margins(V, eos)
            r = mf.run_generate(model, pv, dict(kw), tok, own)
            margins.greedy += own.greedy
            for key, values in own.beam.items():
                margins.beam[key] += values
            margins.exact_is_done_ties += own.exact_is_done_ties
            # A decision closer than the thresholds is decided by float rounding order, not by
            # the scheme: such a run is recorded but not compared (QuantizedModelTests).
            r["decisions_clear"] = own.ok()
            if not own.ok():
                close.append(f"{stem} {json_key(kw)}: {own.report()}")
            fp32 = fp32_results["results"][stem][fp32_settings.index(kw)]["tokens"]
            r["fp32_tokens"] = fp32
            agree[json_key(kw)] += r["tokens"] == fp32
            runs.append(r)
        results[stem] = runs
        logits.append(mf.f32_bytes(logits0))
    report = margins.report()
    # At most one run in 56 per model may be too close to call; more means the fixture model
    # is not fit for an exactness test.
    report["ok"] = len(close) <= MAX_CLOSE_RUNS
    report["runs_not_compared"] = close
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
        "int8_activation_modules": int8_activations,
        "margins": report,
        "thresholds": {"greedy_top1_top2_min": mf.GREEDY_MIN_GAP, "beam_gap_min": mf.BEAM_MIN_GAP},
        "agreement_with_fp32": {k: f"{v}/{len(stems)}" for k, v in agree.items()},
        "settings": SETTINGS,
        "logits0": {"file": f"{name}.logits0.f32", "shape": [len(stems), V],
                    "rows": "images in the order of results' keys (sorted stems)"},
        "layers": {"file": f"{name}.layers.f32", "image": stems[0],
                   "about": "every int8-activation module's output (and input, except the patch "
                            "embedding's, which is the image's unfolded pixels) on this image, float32, "
                            "offsets in floats",
                   "modules": layers},
        "results": results,
    }
    return payload, b"".join(logits), layer_data


def record_layers(model, proc, image_path):
    """Each int8-activation module's input rows and output rows on one image, as float32."""
    import torch
    from transformers.image_utils import load_image

    seen = {}
    hooks = []
    for mod, kind, name in shared_row_modules(model):
        def hook(m, args, out, name=name, kind=kind):
            if name not in seen:
                x = args[0]
                seen[name] = (None if kind == "patch" else x.reshape(-1, x.shape[-1]),
                              out.flatten(2).transpose(1, 2)[0] if kind == "patch" else out.reshape(-1, out.shape[-1]))
        hooks.append(mod.register_forward_hook(hook))
    pv = proc(images=load_image(str(image_path)), return_tensors="pt").pixel_values
    with torch.no_grad():
        start = torch.tensor([[model.generation_config.decoder_start_token_id]])
        model(pixel_values=pv, decoder_input_ids=start)
    for h in hooks:
        h.remove()
    entries, chunks, offset = [], [], 0
    for _, _, name in shared_row_modules(model):
        x, y = seen[name]
        entry = {"name": name, "rows": int(y.shape[0]), "out": int(y.shape[1])}
        if x is not None:
            entry["in"], entry["input"] = int(x.shape[1]), offset
            chunks.append(mf.f32_bytes(x.contiguous()))
            offset += x.numel()
        entry["output"] = offset
        chunks.append(mf.f32_bytes(y.contiguous()))
        offset += y.numel()
        entries.append(entry)
    return entries, b"".join(chunks)


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
    for name, (payload, _, _) in built.items():
        print(f"[{name}] margins ok {payload['margins']['ok']}: "
              f"greedy min {payload['margins']['greedy_top1_top2']['min']}; "
              f"int8 vs fp32 agreement {payload['agreement_with_fp32']}")
        if not payload["margins"]["ok"]:
            failures.append(f"{name}: decisions closer than the thresholds: {payload['margins']}")
    if failures:
        sys.exit("make_int8_fixtures.py: not writing fixtures:\n" + "\n".join(failures))
    for name, (payload, logits, layers) in built.items():
        mf.write_json(out / f"{name}.json", payload)
        mf.write_bytes(out / f"{name}.logits0.f32", logits)
        mf.write_bytes(out / f"{name}.layers.f32", layers)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
