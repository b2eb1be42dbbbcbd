#!/usr/bin/python3
"""Photo to speech: from a 12-megapixel JPEG appearing in the watched folder to the first byte
of its spoken description reaching the audio device.

Runs the real daemon (`assistd run --speech device`) with a test HOME whose ~/.asoundrc sends the
default ALSA device to the file plugin (docs: /work/shared/docs/testing.md's recipe, kept here in
ASOUNDRC), so the first PCM byte the daemon plays appears in a file. For each run the photo is
written beside the watched folder and renamed into it (one inotify event, as a camera's atomic
write gives); the clock starts just before the rename and stops when the sink file first grows.
The daemon's `captioned` event (socket `events`) gives the breakdown: decode, quality, text,
caption (encoder + generation), and the rest up to the first byte is synthesis and hand-off.

    /usr/bin/python3 Benchmarks/photo_latency.py --assistd .build/release/assistd --model DIR [--runs 5] \\
        [--photo Benchmarks/photo.jpg] > result.json

The photo is the benchmark photo scaled to 4032x3024 (Pillow, JPEG quality 92), made once under
Benchmarks/work/. Prints one JSON object; every time in ms, medians of --runs runs after one
warm-up photo. Standard library and Pillow (Debian python3-pil).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

# The "photo arrived" earcon the daemon plays first, at full voice volume: 660 Hz for 70 ms, then
# 990 Hz for 90 ms, s16 mono at 22050 Hz (Speech's Earcon and Tone round each part's sample count).
EARCON_BYTES = 2 * (round(0.070 * 22050 + 1e-9) + round(0.090 * 22050 + 1e-9))

ASOUNDRC = 'pcm.!default {{ type file; slave.pcm "null"; file "{path}"; format "raw" }}\n'


def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">II", len(body), 0) + body


def read_frame(sock, deadline):
    def exactly(n):
        data = b""
        while len(data) < n:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise SystemExit("photo_latency: the daemon closed the socket")
            data += chunk
        return data
    j, a = struct.unpack(">II", exactly(8))
    obj = json.loads(exactly(j))
    if a:
        exactly(a)
    return obj


def make_photo(src, dst):
    from PIL import Image

    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
        Image.open(src).convert("RGB").resize((4032, 3024), Image.BICUBIC).save(dst, quality=92)
    return dst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assistd", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--photo", default="Benchmarks/photo.jpg")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    os.makedirs("Benchmarks/work", exist_ok=True)
    photo = make_photo(args.photo, "Benchmarks/work/photo-4032x3024.jpg")
    data = open(photo, "rb").read()

    tmp = tempfile.mkdtemp(prefix="assist-latency-")
    home, watch, staging = (os.path.join(tmp, d) for d in ("home", "watch", "staging"))
    for d in (home, watch, staging):
        os.makedirs(d)
    sink = os.path.join(tmp, "out.raw")
    with open(os.path.join(home, ".asoundrc"), "w") as f:
        f.write(ASOUNDRC.format(path=sink))
    sock_path = os.path.join(tmp, "run", "assist.sock")
    conf = os.path.join(tmp, "assistd.conf")
    with open(conf, "w") as f:
        f.write(f"watch = {watch}\nsocket = {sock_path}\nmodel = {os.path.abspath(args.model)}\n"
                f"speech = device\nstate_dir = {os.path.join(tmp, 'state')}\nrescan_interval = 0\n")
    env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=os.path.join(tmp, "xdg"),
               XDG_CONFIG_HOME=os.path.join(tmp, "config"), XDG_DATA_HOME=os.path.join(tmp, "data"),
               XDG_STATE_HOME=os.path.join(tmp, "state"))
    log = open(os.path.join(tmp, "assistd.log"), "w")
    daemon = subprocess.Popen([args.assistd, "run", "--config", conf], env=env, stdout=log, stderr=log)
    try:
        return measure(args, daemon, sock_path, watch, staging, sink, data, tmp)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args, daemon, sock_path, watch, staging, sink, data, tmp):
    deadline = time.monotonic() + args.timeout
    while not os.path.exists(sock_path):
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("photo_latency: the daemon made no socket: " + open(f"{tmp}/assistd.log").read())
        time.sleep(0.01)
    while True:  # the socket file exists a moment before the daemon listens on it
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(sock_path)
            break
        except ConnectionRefusedError:
            s.close()
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("photo_latency: the daemon does not accept: " + open(f"{tmp}/assistd.log").read())
            time.sleep(0.01)
    # The model must have loaded before the clock means anything.
    while True:
        s.sendall(frame({"v": 2, "id": 1, "type": "status"}))
        st = read_frame(s, deadline)
        if st.get("status", {}).get("model", {}).get("loaded"):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"photo_latency: the model did not load: {st}")
        time.sleep(0.05)
    s.sendall(frame({"v": 2, "id": 2, "type": "events"}))

    runs = []
    for i in range(args.runs + 1):
        name = f"photo-{i}.jpg"
        staged = os.path.join(staging, name)
        with open(staged, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        before = os.path.getsize(sink) if os.path.exists(sink) else 0
        deadline = time.monotonic() + args.timeout
        t0 = time.monotonic()
        os.rename(staged, os.path.join(watch, name))
        def wait_past(size, what):
            while (os.path.getsize(sink) if os.path.exists(sink) else 0) <= size:
                if time.monotonic() > deadline:
                    raise SystemExit(f"photo_latency: no {what} for {name}: " + open(f"{tmp}/assistd.log").read())
                time.sleep(0.0005)
            return (time.monotonic() - t0) * 1000
        # First the photo earcon, then the description's first audio after the earcon's bytes.
        earcon = wait_past(before, "earcon")
        first_audio = wait_past(before + EARCON_BYTES, "speech")
        described = spoken = None
        while described is None or spoken is None:
            ev = read_frame(s, deadline).get("event") or {}
            if ev.get("photo") == name and ev.get("kind") == "captioned":
                described = ev["description"]
            elif ev.get("kind") == "spoken" and described is not None:
                spoken = ev
            elif ev.get("kind") == "failed":
                raise SystemExit(f"photo_latency: {name} failed: {ev}")
        t = described["timings"]
        cap = (described.get("caption") or {}).get("timings", {})
        run = {"earcon": earcon, "first_audio": first_audio, "decode": t.get("decode"), "quality": t.get("quality"),
               "text": t.get("text"), "caption": t.get("caption"), "encoder": cap.get("encode"),
               "generation": cap.get("generate"), "describe_total": t.get("total")}
        run["after_description"] = first_audio - run["describe_total"]
        if i > 0:  # the first photo warms the page cache and the lazily made parts
            runs.append(run)
        print(f"photo_latency: {name}: first audio {first_audio:.0f} ms", file=sys.stderr)
    keys = runs[0].keys()
    out = {k: round(statistics.median(r[k] for r in runs if r[k] is not None), 1)
           for k in keys if any(r[k] is not None for r in runs)}
    out.update({"photo": "4032x3024 JPEG", "photo_bytes": len(data), "runs": len(runs),
                "model": os.path.abspath(args.model),
                "caption_tokens": len((described.get("caption") or {}).get("tokens", [])), "runs_ms": runs})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
