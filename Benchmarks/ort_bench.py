#!/usr/bin/env python3
"""ONNX Runtime side of the benchmark: the model a user would deploy with optimum, timed like
`assistd bench` and Benchmarks/reference_bench.py.

    ort_bench.py export --model DIR --out ONNXDIR
        optimum's `image-to-text-with-past` export (encoder_model.onnx, decoder_model.onnx,
        decoder_with_past_model.onnx), torch.onnx.export forced to the TorchScript exporter
        (dynamo=False: current torch defaults to the dynamo exporter, which optimum 1.23.3 does
        not support), then `onnxruntime.quantization.quantize_dynamic` of each file, QInt8 weights,
        per-channel, into ONNXDIR-int8. Done once per checkpoint (skipped when up to date).
    ort_bench.py bench --onnx ONNXDIR --model DIR --image IMG --threads N --runs R --new-tokens T [--expect JSON]
        ORTModelForVision2Seq (use_cache=True, use_merged=False, CPUExecutionProvider,
        intra_op_num_threads = N, inter_op_num_threads = 1) with the image processor and tokenizer
        of the checkpoint DIR (the export does not copy them). Prints one JSON object with reference_bench.py's keys: load_ms,
        preprocess_ms, encoder_ms (the encoder session on the pixel values), greedy_ms and
        beam4_ms (end to end from the image file, min_new_tokens = max_new_tokens = T), peak_rss_mb,
        greedy_tokens, beam4_tokens. With --expect (reference_bench.py's JSON) it also reports
        whether its tokens equal transformers'.

Run with /opt/pt/bin/python (transformers 4.46.3, optimum 1.23.3, onnxruntime). One process per
precision, so each peak RSS is its own.
"""
import argparse
import os
import sys


def export(args):
    import json
    import shutil

    import torch

    out, out8 = args.out, args.out + "-int8"
    stamp = os.path.getmtime(os.path.join(args.model, "model.safetensors"))
    names = ("encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx")
    if all(os.path.isfile(os.path.join(d, n)) and os.path.getmtime(os.path.join(d, n)) > stamp
           for d in (out, out8) for n in names):
        print(f"ort_bench: {out} and {out8} are up to date", file=sys.stderr)
        return 0
    original = torch.onnx.export

    def torchscript_export(*a, **k):
        k["dynamo"] = False
        return original(*a, **k)

    torch.onnx.export = torchscript_export
    from optimum.exporters.onnx import main_export

    shutil.rmtree(out, ignore_errors=True)
    main_export(args.model, output=out, task="image-to-text-with-past", device="cpu",
                no_post_process=True)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    shutil.rmtree(out8, ignore_errors=True)
    shutil.copytree(out, out8, ignore=shutil.ignore_patterns("*.onnx", "*.onnx_data"))
    for n in names:
        quantize_dynamic(os.path.join(out, n), os.path.join(out8, n), weight_type=QuantType.QInt8,
                         per_channel=True)
    with open(os.path.join(out8, "quantization.json"), "w") as f:
        json.dump({"tool": "onnxruntime.quantization.quantize_dynamic", "weight_type": "QInt8",
                   "per_channel": True}, f)
    print(f"ort_bench: exported {out} and {out8}", file=sys.stderr)
    return 0


def bench(args):
    import gc
    import json
    import resource
    import statistics
    import time

    import onnxruntime as ort
    import optimum
    import transformers
    from optimum.onnxruntime import ORTModelForVision2Seq
    from transformers import AutoTokenizer, ViTImageProcessor
    from transformers.image_utils import load_image

    transformers.logging.set_verbosity_error()

    def log(msg):
        print(f"ort_bench: {msg}", file=sys.stderr, flush=True)

    def timed(fn):
        t0 = time.perf_counter()
        out = fn()
        return (time.perf_counter() - t0) * 1000.0, out

    def options():
        o = ort.SessionOptions()
        o.intra_op_num_threads = args.threads
        o.inter_op_num_threads = 1
        return o

    runs = {k: [] for k in ("load", "preprocess", "encoder", "greedy", "beam4")}
    model = processor = tokenizer = None
    for i in range(args.runs):
        model = processor = tokenizer = None
        gc.collect()
        t, (model, processor, tokenizer) = timed(lambda: (
            ORTModelForVision2Seq.from_pretrained(args.onnx, use_cache=True, use_merged=False,
                                                  provider="CPUExecutionProvider",
                                                  session_options=options()),
            ViTImageProcessor.from_pretrained(args.model), AutoTokenizer.from_pretrained(args.model)))
        runs["load"].append(t)
        log(f"load {i + 1}/{args.runs}: {t:.0f} ms")

    def preprocess():
        return processor(images=load_image(args.image), return_tensors="pt").pixel_values

    def caption(num_beams):
        ids = model.generate(preprocess(), num_beams=num_beams, do_sample=False,
                             min_new_tokens=args.new_tokens, max_new_tokens=args.new_tokens)
        return ids[0, 1:].tolist(), tokenizer.decode(ids[0], skip_special_tokens=True)

    encoder = model.encoder.session
    feed_name = encoder.get_inputs()[0].name
    results = {}
    for i in range(args.runs):
        t, pixel_values = timed(preprocess)
        runs["preprocess"].append(t)
        feed = {feed_name: pixel_values.numpy()}
        t, _ = timed(lambda: encoder.run(None, feed))
        runs["encoder"].append(t)
        log(f"preprocess {i + 1}/{args.runs}: {runs['preprocess'][-1]:.1f} ms, encoder {t:.0f} ms")
    for name, beams in (("greedy", 1), ("beam4", 4)):
        for i in range(args.runs):
            t, got = timed(lambda: caption(beams))
            runs[name].append(t)
            if name in results and results[name] != got:
                raise SystemExit(f"ort_bench: {name} run {i + 1} gave other tokens")
            results[name] = got
            log(f"{name} {i + 1}/{args.runs}: {t:.0f} ms")
        if len(results[name][0]) != args.new_tokens:
            raise SystemExit(f"ort_bench: {name} made {len(results[name][0])} tokens, not {args.new_tokens}")

    out = {
        "side": "onnxruntime",
        **{f"{k}_ms": round(statistics.median(v), 2) for k, v in runs.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "greedy_tokens": results["greedy"][0],
        "beam4_tokens": results["beam4"][0],
        "threads": args.threads,
        "runs": args.runs,
        "new_tokens": args.new_tokens,
        "runs_ms": {k: [round(x, 2) for x in v] for k, v in runs.items()},
        "int8": os.path.isfile(os.path.join(args.onnx, "quantization.json")),
        "versions": {"onnxruntime": ort.__version__, "optimum": optimum.version.__version__,
                     "transformers": transformers.__version__},
    }
    if args.expect:
        with open(args.expect) as f:
            ref = json.load(f)
        out["greedy_tokens_equal_transformers"] = ref["greedy_tokens"] == out["greedy_tokens"]
        out["beam4_tokens_equal_transformers"] = ref["beam4_tokens"] == out["beam4_tokens"]
    print(json.dumps(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("--model", required=True)
    e.add_argument("--out", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--onnx", required=True)
    b.add_argument("--model", required=True)
    b.add_argument("--image", required=True)
    b.add_argument("--threads", type=int, required=True)
    b.add_argument("--runs", type=int, default=5)
    b.add_argument("--new-tokens", type=int, default=20)
    b.add_argument("--expect")
    args = ap.parse_args()
    if args.command == "export":
        return export(args)
    if args.runs < 1 or args.threads < 1 or args.new_tokens < 1:
        ap.error("--runs, --threads and --new-tokens must be at least 1")
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
