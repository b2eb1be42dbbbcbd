# int8-vs-fp32 greedy agreement of weight schemes on the fixture models, in transformers (fake
# quantization in fp32: each matrix replaced by the values the scheme would compute with). The
# engine's scheme is "rows" (scripts/make_int8_fixtures.py quantize_rows, exactly QuantizedRows);
# the others are candidates measured for docs/quantization.md: per-group scales along the input
# dimension, a per-row MSE-optimal clipping search, some matrices kept fp32 or fp16, and fp16
# throughout; and, for the int8 arithmetic of the shared-row matrices (QuantizedProduct), the
# activations quantized per row (token; the engine) or with one scale per tensor.
# Run with /opt/ref/bin/python from the repository root.
import glob
import json
import sys

import torch
from transformers import VisionEncoderDecoderModel, ViTImageProcessor
from transformers.image_utils import load_image

sys.path.insert(0, "scripts")
import make_int8_fixtures as m8  # noqa: E402

torch.set_grad_enabled(False)
root = "Tests/Fixtures"
rows = m8.quantize_rows


def group(g):
    """One scale per g consecutive inputs of a row (falls back to rows when g does not divide)."""
    def f(w):
        o, i = w.shape
        return rows(w) if i % g else rows(w.reshape(o * i // g, g)).reshape(o, i)
    return f


def mse(w):
    """Per row, the clipping ratio of max|W| (1 down to 0.5) with the least squared error."""
    best = rows(w)
    err = ((best - w) ** 2).sum(1, keepdim=True)
    for r in [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5]:
        s = w.abs().amax(1, keepdim=True) * r / 127
        s1 = torch.where(s > 0, s, torch.ones_like(s))
        d = torch.clamp(torch.round(w / s1), -127, 127) * s
        e = ((d - w) ** 2).sum(1, keepdim=True)
        best = torch.where(e < err, d, best)
        err = torch.minimum(e, err)
    return best


def fp16(w):
    return w.half().float()


def apply(model, fn, keep=(), keep_fn=None):
    done = set()
    sd = model.state_dict(keep_vars=True)
    for k in m8.matrix_keys(model):
        p = sd[k]
        if p.data_ptr() in done:
            continue
        done.add(p.data_ptr())
        f = keep_fn if any(x in k for x in keep) else fn
        if f is None:
            continue
        w = p.data
        if m8.is_conv1d(k):
            p.data.copy_(f(w.t().contiguous()).t())
        else:
            p.data.copy_(f(w.reshape(w.shape[0], -1)).reshape(w.shape))


def per_tensor_linear(x2, qw, sw, bias):
    """m8.int8_linear with one activation scale for the whole (rows, k) input."""
    qx, sx = m8.quantize_int8(x2.reshape(1, -1))
    acc = (qx.reshape(x2.shape).double() @ qw.double().t()).float()
    y = acc * (sx[0] * sw[None, :])
    return y if bias is None else y + bias


ACTIVATIONS = {"per token": m8.int8_linear, "per tensor": per_tensor_linear}

VARIANTS = [
    ("rows, weights only", rows, (), None),
    ("rows + int8 activations per token (the engine)", "per token", (), None),
    ("rows + int8 activations per tensor", "per tensor", (), None),
    ("group 64", group(64), (), None),
    ("group 32", group(32), (), None),
    ("group 16", group(16), (), None),
    ("rows, MSE-optimal clipping", mse, (), None),
    ("rows, wte/LM head fp16", rows, ("wte", "lm_head"), fp16),
    ("rows, patch and enc_to_dec_proj fp16", rows, ("patch", "enc_to_dec"), fp16),
    ("rows, wte/LM head fp32", rows, ("wte", "lm_head"), None),
    ("rows, encoder fp32", rows, ("encoder.",), None),
    ("rows, decoder fp32", rows, ("decoder.", "enc_to_dec"), None),
    ("rows, attention fp32", rows, ("attn", "attention"), None),
    ("rows, MLP fp32", rows, ("mlp", "intermediate", "output.dense"), None),
    ("fp16 everywhere", fp16, (), None),
]

for name in ["tiny-st", "tiny-bin"]:
    d = f"{root}/models/{name}"
    proc = ViTImageProcessor.from_pretrained(d)
    res = json.load(open(f"{root}/expected/{name}/results.json"))["results"]
    pxs = {s: proc(load_image(glob.glob(f"{root}/images/{s}.*")[0]), return_tensors="pt").pixel_values
           for s in sorted(res)}
    ref = VisionEncoderDecoderModel.from_pretrained(d).eval()
    base = {s: ref.generate(p, num_beams=1, do_sample=False)[0].tolist() for s, p in pxs.items()}
    for label, fn, keep, keep_fn in VARIANTS:
        m = VisionEncoderDecoderModel.from_pretrained(d).eval()
        if fn in ACTIVATIONS:
            m8.int8_linear = ACTIVATIONS[fn]
            m8.use_int8_activations(m)
            fn = rows
        apply(m, fn, keep, keep_fn)
        agree = sum(m.generate(p, num_beams=1, do_sample=False)[0].tolist() == base[s] for s, p in pxs.items())
        print(name, label, f"{agree}/{len(pxs)}", flush=True)
