#!/usr/bin/env python3
"""Acceptance check on a checkpoint the tests never saw.

Make one with the pinned reference:
    /opt/ref/bin/python scripts/make_fixtures.py heldout --out DIR --seed N --format safetensors|bin --images IMG...
then compare `assistd caption --json` with the expected.json that transformers wrote there:
    python3 scripts/check_heldout.py DIR [--assistd .build/release/assistd]
Prints one line per setting and exits 1 on any difference in tokens or text.
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--assistd", default=".build/release/assistd")
    args = ap.parse_args()
    expected = json.load(open(os.path.join(args.model_dir, "expected.json")))
    results = expected["results"]
    images = sorted(results)
    image_paths = {}
    for name in images:
        for root in ("Tests/Fixtures/images", "."):
            if os.path.exists(os.path.join(root, name)):
                image_paths[name] = os.path.join(root, name)
                break
        else:
            sys.exit(f"check_heldout: image {name} not found")
    failures = 0
    for settings in expected["settings"]:
        flags = []
        for key, value in settings.items():
            if key != "num_beams":
                sys.exit(f"check_heldout: setting {key} has no assistd caption flag")
            flags += ["--beams", str(value)]
        cmd = [args.assistd, "caption", "--model", args.model_dir, "--json", *flags] + [image_paths[n] for n in images]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            sys.exit(f"check_heldout: {' '.join(cmd[:6])} ... exited {out.returncode}")
        lines = [json.loads(line) for line in out.stdout.splitlines()]
        same = 0
        for name, line in zip(images, lines):
            want = next(r for r in results[name] if r["settings"] == settings)
            if line["tokens"] == want["tokens"] and line["caption"] == want["text"]:
                same += 1
            else:
                failures += 1
                print(f"  {name} {settings}: got {line['tokens']} {line['caption']!r}, "
                      f"want {want['tokens']} {want['text']!r}")
        print(f"{args.model_dir} settings {json.dumps(settings)}: {same}/{len(images)} identical (tokens and text)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
