"""Benchmark: the full report submit path through gunicorn on 127.0.0.1, against /healthz.

Full path = CSRF check + validation + phone parsing + durable SQLite commit + outbox row + 303.
Baseline  = GET /healthz of the same app in the same run (one small query, JSON out).
Target: submit throughput ≥ 0.5 × baseline, p99 < 50 ms at 16 concurrent clients.

The load comes from wrk (Debian package `wrk`, installed if missing), a small C program, so the
load generator does not eat the two cores the server is measured on.

Run: .venv/bin/python scripts/bench/forms_submit.py [--clients 16] [--seconds 15]
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.conftest import VALID_REPORT, hidden_fields  # noqa: E402
from tests.server import gunicorn  # noqa: E402

# Each request gets its own submission id (thread number + counter, 32 hex digits), so every
# POST is a new report, exactly as from a resident's browser.
LUA = """
local threads, n = 0, 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function request()
  n = n + 1
  local body = BODY .. "&submission_id=" .. string.format("%08x%024x", tid, n)
  return wrk.format("POST", "/forms/report", HEADERS, body)
end
"""


def ensure_wrk() -> str:
    """Path of wrk, installing Debian's package when missing."""
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


def wrk(base: str, path: str, clients: int, seconds: int, script: str | None = None) -> dict:
    """Run wrk and return requests/s, p50 and p99 in ms, and non-2xx/3xx count."""
    cmd = [ensure_wrk(), "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [base + path], check=True, capture_output=True, text=True).stdout

    def ms(label):
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"),
            "p99": ms("99%"), "bad": int(bad.group(1)) if bad else 0}


def lua_script(base: str, folder: str) -> str:
    """A wrk script posting valid reports with this client's CSRF cookie and token."""
    with requests.Session() as s:
        fields = hidden_fields(s.get(base + "/forms/report").text)
        cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    body = urlencode({**VALID_REPORT, "csrf_token": fields["csrf_token"]})
    headers = f'{{["Content-Type"]="application/x-www-form-urlencoded", ["Cookie"]="{cookie}"}}'
    path = Path(folder) / "submit.lua"
    path.write_text(f'BODY = "{body}"\nHEADERS = {headers}\n' + LUA)
    return str(path)


def main() -> None:
    """Measure both paths and print figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE": f"{tmp}/bench.sqlite3", "RATELIMIT_ENABLED": "0"}
        with gunicorn(env, workers=args.workers, threads=args.threads) as base:
            wrk(base, "/healthz", args.clients, 3)  # warm-up
            baseline = wrk(base, "/healthz", args.clients, args.seconds)
            submit = wrk(base, "/forms/report", args.clients, args.seconds, lua_script(base, tmp))
            stored = __import__("sqlite3").connect(f"{tmp}/bench.sqlite3").execute("SELECT count(*) FROM reports").fetchone()[0]
    print(f"{args.clients} concurrent clients (wrk), {args.seconds} s per path, gunicorn {args.workers} workers × {args.threads} threads")
    for name, r in (("baseline GET /healthz", baseline), ("submit POST /forms/report", submit)):
        print(f"  {name:28s} {r['rps']:8.1f} req/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms   errors {r['bad']}")
    print(f"  reports stored: {stored}")
    print(f"  ratio submit/baseline throughput: {submit['rps'] / baseline['rps']:.2f} (target ≥ 0.5)")
    print(f"  submit p99: {submit['p99']:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
