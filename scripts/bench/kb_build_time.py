"""Benchmark: knowledge-base build time as the directory grows (should grow about linearly).

Builds the site with the sample directory (the baseline, measured in the same run), then with
generated directories of 250 and 500 compounds (written to a temp file and passed through
DIRECTORY_FILE). Prints each time, the cost per extra compound, and the ratio to the baseline.
Each build is a real `mkdocs build --strict` in a fresh process; the best of --repeat runs counts.

Usage: .venv/bin/python scripts/bench/kb_build_time.py [--repeat 2] [--sizes 250 500]
"""
from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forms_app.core import directory  # noqa: E402


def generated_directory(sample: dict, count: int) -> dict:
    """The sample street with `count` compounds spread over its areas and stewards."""
    data = copy.deepcopy(sample)
    areas, stewards = data["areas"], data["stewards"]
    data["compounds"] = [{
        "id": f"c{i:04d}",
        "name": f"{areas[i % len(areas)]['name']}第{i + 1}小区",
        "area": areas[i % len(areas)]["id"],
        "steward": stewards[i % len(stewards)]["id"],
        "owners_committee": {"name": f"第{i + 1}小区业主委员会", "phone": f"021-5556 {i:04d}",
                             "reception": "每月第一个周六 9:00–11:00"},
        "property_company": {"name": f"示例物业服务有限公司（第{i + 1}小区项目部）", "phone": f"021-5557 {i:04d}",
                             "service_desk": f"第{i + 1}小区物业服务中心"},
    } for i in range(count)]
    directory.parse(copy.deepcopy(data))  # the generated file must be valid, or we time a failure
    return data


def timed_build(site_dir: Path, directory_file: Path | None, repeat: int) -> float:
    """Best wall time of `repeat` strict builds, in seconds."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if directory_file:
        env["DIRECTORY_FILE"] = str(directory_file)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],
                       cwd=ROOT, check=True, env=env, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    """Time the baseline and the generated directories; print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500])
    args = parser.parse_args()
    sample = yaml.safe_load(directory.DEFAULT_PATH.read_text(encoding="utf-8"))
    base_count = len(sample["compounds"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = [(base_count, timed_build(tmp / "site", None, args.repeat))]
        for size in args.sizes:
            path = tmp / f"directory-{size}.yaml"
            path.write_text(yaml.safe_dump(generated_directory(sample, size), allow_unicode=True), encoding="utf-8")
            results.append((size, timed_build(tmp / "site", path, args.repeat)))

    (n0, t0) = results[0]
    print(f"{'compounds':>9} {'build s':>8} {'ratio':>6} {'s per extra compound':>21}")
    print(f"{n0:9d} {t0:8.2f} {1:6.2f} {'(baseline: sample)':>21}")
    for n, t in results[1:]:
        print(f"{n:9d} {t:8.2f} {t / t0:6.2f} {(t - t0) / (n - n0) * 1000:18.1f} ms")
    if len(results) >= 3:
        (n1, t1), (n2, t2) = results[-2], results[-1]
        first, second = (t1 - t0) / (n1 - n0), (t2 - t1) / (n2 - n1)
        print(f"Linearity: cost per compound {n0}→{n1}: {first * 1000:.1f} ms, {n1}→{n2}: {second * 1000:.1f} ms "
              f"(ratio {second / first:.2f}; 1.0 is perfectly linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
