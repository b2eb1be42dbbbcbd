# int8 agreement check on the fixture models with transformers: quantizes every matrix per row exactly as
# QuantizedRows does (fake quantization in fp32) and counts greedy token agreement with fp32, whole
# model and with parts kept fp32. Run with /opt/ref/bin/python from the repository root.
import sys, torch, json, numpy as np
from transformers import VisionEncoderDecoderModel, ViTImageProcessor
from transformers.image_utils import load_image
torch.set_grad_enabled(False)
root = "Tests/Fixtures"
import glob, os
def q(W2):
    s = W2.abs().amax(1, keepdim=True) / 127
    s1 = torch.where(s > 0, s, torch.ones_like(s))
    return torch.clamp(torch.round(W2 / s1), -127, 127) * s
def variant(sd, keep):
    for k, v in sd.items():
        if not k.endswith(".weight") or v.dim() < 2 or "wpe" in k or "position" in k: continue
        if any(p in k for p in keep): continue
        conv1d = k.startswith("decoder.transformer.h.") and any(p in k for p in ["c_attn", "c_proj", "q_attn", "c_fc"])
        W = v.t() if conv1d else v
        D = q(W.reshape(W.shape[0], -1)).reshape(W.shape)
        v.copy_(D.t() if conv1d else D)
for name in ["tiny-st", "tiny-bin"]:
    d = f"{root}/models/{name}"
    proc = ViTImageProcessor.from_pretrained(d)
    res = json.load(open(f"{root}/expected/{name}/results.json"))["results"]
    pxs = {}
    for stem in sorted(res):
        f = [p for p in glob.glob(f"{root}/images/{stem}.*")][0]
        pxs[stem] = proc(load_image(f), return_tensors="pt").pixel_values
    ref = VisionEncoderDecoderModel.from_pretrained(d).eval()
    base = {s: ref.generate(p, num_beams=1, do_sample=False)[0].tolist() for s, p in pxs.items()}
    for label, keep in [("all int8", []), ("wte fp32", ["wte", "lm_head"]), ("encoder fp32", ["encoder."]), ("decoder fp32", ["decoder.", "enc_to_dec"]), ("attn fp32", ["attn", "attention"]), ("mlp fp32", ["mlp", "intermediate", "output.dense"])]:
        m = VisionEncoderDecoderModel.from_pretrained(d).eval()
        variant(m.state_dict(), keep)
        agree = sum(m.generate(p, num_beams=1, do_sample=False)[0].tolist() == base[s] for s, p in pxs.items())
        print(name, label, f"{agree}/{len(pxs)}", flush=True)
