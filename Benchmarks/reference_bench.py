#!/usr/bin/env python3
"""Reference side of the benchmark: transformers on PyTorch CPU, timed like `assistd bench`.

Takes the same arguments as `assistd bench` and prints one JSON object with the same keys:
    load_ms        model + image processor + tokenizer, from_pretrained to ready (also split out
                   as load_model_ms and load_tokenizer_ms)
    preprocess_ms  load_image (read, EXIF transpose, RGB) + ViTImageProcessor to pixel_values
    encoder_ms     model.encoder forward on those pixel_values
    greedy_ms      end to end from the image file: preprocess + generate(num_beams=1) + decode
    beam4_ms       the same with num_beams=4
    peak_rss_mb    ru_maxrss of this process, MiB
    greedy_tokens, beam4_tokens   the new token ids only (decoder start token left out)
Every time is the median of --runs runs, with no warm-up run (the Swift side has none either);
the per-run times are under "runs_ms". Both generations are forced to exactly --new-tokens new
tokens (min_new_tokens = max_new_tokens), so both sides do the same work.

Run with the current-PyTorch environment: /opt/pt/bin/python Benchmarks/reference_bench.py ...
"""
import argparse
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=20)
    ap.add_argument("--json", action="store_true", help="accepted for symmetry; output is JSON")
    args = ap.parse_args()
    if args.runs < 1 or args.threads < 1 or args.new_tokens < 1:
        ap.error("--runs, --threads and --new-tokens must be at least 1")
    for f in ("config.json", "model.safetensors"):
        if not os.path.isfile(os.path.join(args.model, f)):
            ap.error(f"{args.model}: no {f} (make it with scripts/make_bench_model.py)")
    if not os.path.isfile(args.image):
        ap.error(f"{args.image}: no such image")

    # Before torch is imported, so OpenMP and MKL start with the requested pool size.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import gc
    import json
    import platform
    import resource
    import statistics
    import time

    import PIL
    import torch
    import transformers
    from transformers import AutoTokenizer, ViTImageProcessor, VisionEncoderDecoderModel
    from transformers.image_utils import load_image

    torch.set_num_threads(args.threads)
    # Loading warnings (decoder config overwritten, no attention mask) would bury the results.
    transformers.logging.set_verbosity_error()

    def cpu_capability():
        """The SIMD level torch's own kernels use ("AVX512", ...); torch 2.0 and later."""
        backend = getattr(torch.backends, "cpu", None)
        return backend.get_cpu_capability() if backend else None

    def log(msg):
        print(f"reference_bench: {msg}", file=sys.stderr, flush=True)

    def timed(fn):
        t0 = time.perf_counter()
        out = fn()
        return (time.perf_counter() - t0) * 1000.0, out

    runs = {k: [] for k in ("load_model", "load_tokenizer", "load", "preprocess", "encoder",
                            "greedy", "beam4")}

    model = processor = tokenizer = None
    for i in range(args.runs):
        model = processor = tokenizer = None
        gc.collect()
        t_model, model = timed(
            lambda: VisionEncoderDecoderModel.from_pretrained(args.model).eval())
        t_tok, (processor, tokenizer) = timed(
            lambda: (ViTImageProcessor.from_pretrained(args.model),
                     AutoTokenizer.from_pretrained(args.model)))
        runs["load_model"].append(t_model)
        runs["load_tokenizer"].append(t_tok)
        runs["load"].append(t_model + t_tok)
        log(f"load {i + 1}/{args.runs}: {t_model + t_tok:.0f} ms")

    def preprocess():
        return processor(images=load_image(args.image), return_tensors="pt").pixel_values

    def caption(num_beams):
        pixel_values = preprocess()
        ids = model.generate(pixel_values, num_beams=num_beams, do_sample=False,
                             min_new_tokens=args.new_tokens, max_new_tokens=args.new_tokens)
        text = tokenizer.decode(ids[0], skip_special_tokens=True)
        return ids[0, 1:].tolist(), text

    results = {}
    with torch.inference_mode():
        for i in range(args.runs):
            t, pixel_values = timed(preprocess)
            runs["preprocess"].append(t)
            t, _ = timed(lambda: model.encoder(pixel_values=pixel_values).last_hidden_state)
            runs["encoder"].append(t)
            log(f"preprocess {i + 1}/{args.runs}: {runs['preprocess'][-1]:.1f} ms, encoder {t:.0f} ms")
        for name, beams in (("greedy", 1), ("beam4", 4)):
            for i in range(args.runs):
                t, (tokens, text) = timed(lambda: caption(beams))
                runs[name].append(t)
                if name in results and results[name] != (tokens, text):
                    raise SystemExit(f"reference_bench: {name} run {i + 1} gave other tokens")
                results[name] = (tokens, text)
                log(f"{name} {i + 1}/{args.runs}: {t:.0f} ms")
            if len(results[name][0]) != args.new_tokens:
                raise SystemExit(f"reference_bench: {name} made {len(results[name][0])} tokens, "
                                 f"not {args.new_tokens}")

    median = {f"{k}_ms": round(statistics.median(v), 2) for k, v in runs.items()}
    out = {
        "side": "pytorch",
        **median,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "greedy_tokens": results["greedy"][0],
        "beam4_tokens": results["beam4"][0],
        "greedy_text": results["greedy"][1],
        "beam4_text": results["beam4"][1],
        "threads": torch.get_num_threads(),
        "runs": args.runs,
        "new_tokens": args.new_tokens,
        "runs_ms": {k: [round(x, 2) for x in v] for k, v in runs.items()},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "pillow": PIL.__version__,
                     "attn_implementation": getattr(model.config, "_attn_implementation", None),
                     "cpu_capability": cpu_capability()},
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
