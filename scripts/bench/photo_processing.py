"""Benchmark: time and peak memory to check and re-encode a 12-megapixel and a 48-megapixel JPEG.

What is timed is forms_app.residents.photos.reencode — the server's whole work on one photo: header
and pixel-count checks, the polyglot scan, decoding in JPEG draft mode, orientation, sRGB, shrinking
to 1600 px, a clean JPEG. The baseline, measured in the same run on the same files, is the plain way:
Image.open, full decode (no draft), exif_transpose, thumbnail to 1600 px, save.

Every measurement runs in a fresh Python process, so its peak memory is its own: peak RSS (VmHWM,
the ru_maxrss of this process image) minus the RSS just before processing (modules imported, file bytes read), and tracemalloc's peak
(Python-level allocations only: Pillow's pixel buffers are not seen by it). Time: median of --repeat,
wall clock (best in brackets) and CPU time of the process (both single-threaded: on an idle machine
they agree; on a shared one CPU time is the steadier figure). Ratios: ours / baseline.
Target (issue 11): < 300 ms and < 150 MB for 12 MP on this machine.

Usage: .venv/bin/python scripts/bench/photo_processing.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SIZES = {"12 MP": (4000, 3000), "48 MP": (8000, 6000)}

CHILD = r"""
import io, json, statistics, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from PIL import Image, ImageOps
from forms_app.residents import photos

def status_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def ours(data):
    return photos.reencode(data)

def baseline(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image)
    image.thumbnail((1600, 1600), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()

data = open({path!r}, "rb").read()
run = {{"ours": ours, "baseline": baseline}}[{which!r}]
before = status_kb("VmRSS")
times, cpu = [], []
for _ in range({repeat}):
    start, start_cpu = time.perf_counter(), time.process_time()
    run(data)
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
tracemalloc.start()  # one more run, traced (tracing slows Python code down, so it is not timed)
run(data)
traced_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
# VmHWM: this process image's own peak. (ru_maxrss would also count the parent's size at fork time.)
peak = max(status_kb("VmHWM"), 0)
print(json.dumps({{"ms": statistics.median(times) * 1000, "best_ms": min(times) * 1000,
                   "cpu_ms": statistics.median(cpu) * 1000,
                   "rss_mb": (peak - before) / 1024, "traced_mb": traced_peak / 1024 / 1024}}))
"""


def photo(path: Path, size: tuple[int, int]) -> int:
    """A photo-like JPEG (smooth texture with grain, EXIF orientation 6 and GPS) of this size; its bytes."""
    from PIL import Image

    small = Image.effect_noise((size[0] // 16, size[1] // 16), 64).convert("RGB")
    image = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 12).convert("RGB")
    image = Image.blend(image, grain, 0.25)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (31.0, 16.0, 48.5), 3: "E", 4: (121.0, 31.0, 12.25)}
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path.stat().st_size


def measure(path: Path, which: str, repeat: int) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), which=which, repeat=repeat)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'photo':<7} {'file':>8} | {'ours: ms (best) cpu':>21} {'peak RSS':>9} {'traced':>7} | "
          f"{'baseline: ms (best) cpu':>25} {'peak RSS':>9} | {'cpu ratio':>9} {'memory ratio':>12}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in SIZES.items():
            path = Path(tmp) / f"{label.replace(' ', '')}.jpg"
            file_mb = photo(path, size) / 1024 / 1024
            ours, base = measure(path, "ours", args.repeat), measure(path, "baseline", args.repeat)
            results[label] = ours
            print(f"{label:<7} {file_mb:>6.1f}MB | {ours['ms']:>8.0f} ({ours['best_ms']:>4.0f}) {ours['cpu_ms']:>5.0f} "
                  f"{ours['rss_mb']:>7.0f}MB {ours['traced_mb']:>5.1f}MB | {base['ms']:>12.0f} ({base['best_ms']:>4.0f}) "
                  f"{base['cpu_ms']:>5.0f} {base['rss_mb']:>7.0f}MB | {ours['cpu_ms'] / base['cpu_ms']:>9.2f} "
                  f"{ours['rss_mb'] / max(base['rss_mb'], 1):>12.2f}")
    twelve = results["12 MP"]
    verdict = "met" if twelve["ms"] < 300 and twelve["rss_mb"] < 150 else "NOT met"
    print(f"target for 12 MP (< 300 ms, < 150 MB): {verdict} (median {twelve['ms']:.0f} ms wall, best {twelve['best_ms']:.0f} ms, "
          f"{twelve['cpu_ms']:.0f} ms CPU, {twelve['rss_mb']:.0f} MB); load average now {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (wall time grows with the load; CPU time much less)")


if __name__ == "__main__":
    main()
