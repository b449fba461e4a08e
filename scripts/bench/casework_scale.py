"""Benchmark: the stewards' workplace at 50,000 cases — the filtered list (sorted by what is due), the 督办
page, the .xlsx of every case, `flask figures`, `flask digest --print` (with its 今天到期, 督办 and 待回访 sections).

Generates a realistic store (two years of cases: statuses by age, every category, compound and
channel, due dates by the deadline rule, first contacts, resolutions, reopened cases, three-aspect
and old 1–5 follow-ups), then measures through the public entry points only — HTTP routes of the
real app (Flask's test client, a signed-in steward) and the real CLI commands in their own
processes — so it keeps working while the list and the digest are rewritten behind them.

Targets: the filtered list < 200 ms (also sorted by what is due with 今天到期); the 督办 page, paged like the
list, < 200 ms; the .xlsx of all cases < 5 s, streamed, its writer's memory not growing with the row count
(peak RSS of a process writing it, 1,000 vs 50,000 cases); `flask figures` < 5 s; `flask digest --print` < 5 s.
Baselines measured in the same run: GET /healthz, and the same requests and commands on 1,000 cases.

Run: .venv/bin/python scripts/bench/casework_scale.py [--cases 50000] [--baseline-cases 1000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forms_app import create_app  # noqa: E402
from forms_app.core import accounts, clock, deadlines, directory as directory_module  # noqa: E402
from forms_app.core.store import connect, get_db, transaction  # noqa: E402
from forms_app.publishing import digest  # noqa: E402

PASSWORD = "bench-password"
# The list as a steward uses it (f=1: the filters as given; without it 我负责的 is on by default).
LIST_QUERIES = {
    "我负责的 + 超时": "/forms/steward?f=1&mine=y&overdue=y",
    "电话号码后四位": "/forms/steward?f=1&q=5678",
    "状态 + 小区": "/forms/steward?f=1&status=处理中&compound=yanji2",
    "按到期排序 + 今天到期": "/forms/steward?f=1&today=y",
    "按到期排序（全部）": "/forms/steward?f=1",
    "待回访": "/forms/steward?f=1&followup=y",
    "督办页（分页）": "/forms/steward/supervise",
}
EXPORT_URL = "/forms/steward/export.xlsx?f=1"
# A process that only writes the workbook of every case: its peak memory (ru_maxrss, KB) before and after.
EXPORT_MEMORY = """
import resource, sys, tempfile
from forms_app import create_app
from forms_app.core.store import get_db
from forms_app.delivery import export
app = create_app({"SECRET_KEY": "bench-" + "b" * 32, "DATABASE": sys.argv[1], "SEED_SAMPLE_SESSIONS": False})
with app.app_context():
    conn = get_db()
    conn.execute("SELECT count(*) FROM reports").fetchone()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as out:
        export.write(conn, app.extensions["directory"], out)
    print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
CHANNELS = (("网页", 40), ("二维码", 15), ("代办", 5), ("电话", 25), ("来访", 6), ("联合接待", 4), ("会商", 1),
            ("居委会转来", 2), ("12345转办", 2))
ASPECTS = (("满意", 70), ("基本满意", 22), ("不满意", 8))
TARGETS = {"list": 0.200, "figures": 5.0, "digest": 5.0, "xlsx": 5.0}
CPU: dict[str, float] = {}


def pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def status_for(rng: random.Random, age_days: int) -> str:
    """Older cases are mostly settled; recent ones mostly open."""
    if age_days < 15:
        return pick(rng, (("已受理", 45), ("处理中", 40), ("已形成方案", 5), ("已解决", 10)))
    if age_days < 90:
        return pick(rng, (("已受理", 5), ("处理中", 25), ("已形成方案", 15), ("已解决", 50), ("已转办", 3), ("不予受理", 2)))
    return pick(rng, (("处理中", 3), ("已形成方案", 7), ("已解决", 82), ("已转办", 5), ("不予受理", 3)))


def generate(db: str, count: int, d, seed: int = 8) -> dict:
    """`count` cases over the last two years, with follow-ups, in one transaction; what was made."""
    rng = random.Random(seed)
    now = clock.now()
    compounds = list(d.compounds.values())
    categories = list(d.categories.values())
    columns = ("ref", "submission_id", "created_at", "updated_at", "channel", "area_id", "compound_id", "building",
               "room", "category_id", "urgent", "description", "contact_name", "phone", "best_time", "status",
               "public_note", "steward_name", "coordinating", "notes", "first_contact_at", "resolved_at",
               "reopened", "first_contact_due", "resolve_due", "reopened_at", "rehandled_at", "rehandle_due")
    rows, followups = [], []
    for n in range(count):
        age = int(rng.random() ** 1.6 * 730)  # more recent cases than old ones
        created = now - dt.timedelta(days=age, minutes=rng.randint(0, 600))
        compound, category = rng.choice(compounds), rng.choice(categories)
        status = status_for(rng, age)
        urgent = int(rng.random() < 0.08)
        due = deadlines.due_dates({"category_id": category.id, "urgent": urgent}, d, created)
        contacted = "" if status == "已受理" and rng.random() < 0.6 else \
            (created + dt.timedelta(hours=rng.choice((2, 5, 20, 30, 50, 80)))).strftime("%Y-%m-%d %H:%M")
        resolved = (created + dt.timedelta(days=rng.randint(1, 40))).strftime("%Y-%m-%d") if status == "已解决" else ""
        reopened = int(status in ("处理中", "已解决") and rng.random() < 0.04)
        reopened_at = clock.iso(created + dt.timedelta(days=20)) if reopened else ""
        rehandle = deadlines.reopened({"category_id": category.id, "urgent": urgent}, d, reopened_at)["rehandle_due"] if reopened else ""
        body = "".join(rng.choice("楼道灯坏了漏水停车噪音电梯垃圾") for _ in range(rng.randint(10, 60)))
        rows.append((f"B{n:06d}", uuid.UUID(int=rng.getrandbits(128)).hex, clock.iso(created),
                     clock.iso(created + dt.timedelta(days=1)), pick(rng, CHANNELS), compound.area.id, compound.id,
                     f"{rng.randint(1, 120)}号", f"{rng.randint(1, 6)}0{rng.randint(1, 4)}", category.id, urgent, body,
                     "居民", f"+86139{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.92 else "", "",
                     status, "物业已上门查看" if status != "已受理" else "", compound.steward.name, "物业", "",
                     contacted, resolved, reopened, due["first_contact_due"], due["resolve_due"], reopened_at,
                     reopened_at if reopened and status == "已解决" else "", rehandle))
        if status == "已解决" and rng.random() < 0.7:
            new_style = age < 400
            followups.append((n + 1, clock.iso(created + dt.timedelta(days=45)), 1,
                              None if new_style else rng.randint(3, 5), "已解决" if new_style else "",
                              *((pick(rng, ASPECTS) for _ in range(3)) if new_style else ("", "", "")),
                              rng.choice(("online", "phone"))))
    conn = connect(db)
    with transaction(conn):
        conn.executemany(f"INSERT INTO reports ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        conn.executemany("INSERT INTO followups (report_id, created_at, solved, satisfaction, outcome, efficiency, "
                         "attitude, result, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", followups)
        conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                     (digest.STATE_KEY, clock.iso(now - dt.timedelta(days=1))))
    conn.execute("ANALYZE")
    conn.close()
    return {"cases": count, "followups": len(followups)}


def make_app(tmp: str, name: str):
    """A fresh store (migrated) and the app on it, steward pages on."""
    config = {"SECRET_KEY": "bench-" + "b" * 32, "DATABASE": f"{tmp}/{name}.sqlite3", "SEED_SAMPLE_SESSIONS": False,
              "RATELIMIT_ENABLED": False,
              "FIGURES_FILE": f"{tmp}/{name}-figures.json"}
    return create_app(config), config


def sign_in(client, app) -> None:
    """The one place this benchmark signs a steward in: the account of the directory's first steward."""
    steward = next(iter(app.extensions["directory"].stewards))
    with app.app_context():
        accounts.add(get_db(), steward, app.extensions["directory"].stewards[steward].name, "steward", PASSWORD)
    page = client.get("/forms/steward/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/forms/steward/login", data={"csrf_token": token.group(1), "account": steward,
                                                         "password": PASSWORD})
    if response.status_code != 303:
        raise SystemExit(f"sign-in failed ({response.status_code}): update sign_in() for the current sign-in form")


def timed_get(client, url: str, repeat: int) -> tuple[float, float, int]:
    """(median, max) seconds of `repeat` GETs after one warm-up, and the body size."""
    first = client.get(url)
    if first.status_code != 200 or b'name="password"' in first.data:
        raise SystemExit(f"{url}: HTTP {first.status_code} — not the list (signed out?)")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), len(first.data)


def timed_export(client, repeat: int) -> tuple[float, int]:
    """(median seconds to the last byte, size) of GET EXPORT_URL, the streamed body read to its end."""
    times, cpu, size = [], [], 0
    for _ in range(repeat):
        start, used = time.perf_counter(), time.process_time()
        response = client.get(EXPORT_URL, buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
        if response.status_code != 200 or not size:
            raise SystemExit(f"{EXPORT_URL}: HTTP {response.status_code}")
    CPU["xlsx"] = statistics.median(cpu)
    return statistics.median(times), size


def cli(config: dict, *args: str) -> tuple[float, str]:
    """Run `flask --app forms_app ARGS` as its own process; (wall seconds, output). CPU seconds go to CPU[args[0]]."""
    env = {**os.environ, **{k: str(v) for k, v in config.items() if k in ("SECRET_KEY", "DATABASE", "FIGURES_FILE")},
           "GOOGLE_SERVICE_ACCOUNT_FILE": "", "SHEETS_SPREADSHEET_KEY": ""}
    start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "forms_app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[args[0]] = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def measure(tmp: str, name: str, cases: int, repeat: int, d) -> dict:
    """Generate a store of `cases`, then time the list queries, /healthz and the two commands."""
    app, config = make_app(tmp, name)
    start = time.perf_counter()
    made = generate(config["DATABASE"], cases, d)
    made["generate_seconds"] = time.perf_counter() - start
    client = app.test_client()
    sign_in(client, app)
    made["healthz"] = timed_get(client, "/healthz", repeat)
    made["list"] = {label: timed_get(client, url, repeat) for label, url in LIST_QUERIES.items()}
    made["xlsx"] = timed_export(client, max(1, repeat // 2))
    made["xlsx_cpu"] = CPU["xlsx"]
    done = subprocess.run([sys.executable, "-c", EXPORT_MEMORY, config["DATABASE"]], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise SystemExit(f"export memory run failed:\n{done.stderr}")
    made["xlsx_rss"] = tuple(int(v) for v in done.stdout.split())
    made["figures"], _ = cli(config, "figures")
    made["figures_json"] = json.loads(Path(config["FIGURES_FILE"]).read_text(encoding="utf-8"))
    made["figures_cpu"] = CPU["figures"]
    made["digest"], out = cli(config, "digest", "--print")
    made["digest_cpu"] = CPU["digest"]
    made["digest_lines"] = len(out.splitlines())
    made["cli_start"], _ = cli(config, "--help")
    made["cli_start_cpu"] = CPU["--help"]
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--baseline-cases", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    d = directory_module.load()
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(tmp, "base", args.baseline_cases, args.repeat, d)
        big = measure(tmp, "big", args.cases, args.repeat, d)
    ms = lambda s: f"{s * 1000:,.0f} ms"  # noqa: E731
    print(f"Generated {big['cases']:,} cases and {big['followups']:,} follow-ups in {big['generate_seconds']:.1f} s "
          f"(baseline store: {base['cases']:,} cases).")
    print(f"GET /healthz: median {ms(big['healthz'][0])} (baseline for the list)")
    print(f"{'request':<20} {'cases':>8} {'median':>9} {'max':>9} {'body':>9}   {'vs ' + format(base['cases'], ','):>8} "
          f"{'vs healthz':>10} target")
    for label in LIST_QUERIES:
        median, worst, size = big["list"][label]
        small = base["list"][label][0]
        verdict = "ok" if median < TARGETS["list"] else "OVER"
        print(f"{label:<20} {big['cases']:>8,} {ms(median):>9} {ms(worst):>9} {size / 1024:>7.0f}KB   "
              f"{median / small:>7.1f}x {median / big['healthz'][0]:>9.0f}x  <200 ms {verdict}")
    (x_big, x_size), (x_base, _) = big["xlsx"], base["xlsx"]
    print(f".xlsx of every case   {x_big:.2f} s (CPU {big['xlsx_cpu']:.2f} s, {x_size / 1024 / 1024:.1f} MB) on {big['cases']:,} vs {x_base:.2f} s on "
          f"{base['cases']:,}: ratio {x_big / x_base:.1f}  <{TARGETS['xlsx']:.0f} s {'ok' if x_big < TARGETS['xlsx'] else 'OVER'}")
    grow = lambda m: (m["xlsx_rss"][1] - m["xlsx_rss"][0]) / 1024  # noqa: E731
    print(f".xlsx writer memory   peak RSS grew {grow(big):.1f} MB while writing {big['cases']:,} cases vs "
          f"{grow(base):.1f} MB for {base['cases']:,} (process peak {big['xlsx_rss'][1] / 1024:.0f} MB vs "
          f"{base['xlsx_rss'][1] / 1024:.0f} MB)")
    for key, label in (("figures", "flask figures"), ("digest", "flask digest --print")):
        verdict = "ok" if big[key] < TARGETS[key] else "OVER"
        print(f"{label:<22} {big[key]:.2f} s (CPU {big[key + '_cpu']:.2f} s) on {big['cases']:,} vs {base[key]:.2f} s "
              f"(CPU {base[key + '_cpu']:.2f} s) on {base['cases']:,}: ratio {big[key] / base[key]:.1f}; "
              f"process start alone {big['cli_start']:.2f} s (CPU {big['cli_start_cpu']:.2f} s)  <{TARGETS[key]:.0f} s {verdict}")
    print(f"Machine load while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    f = big["figures_json"]
    print("Figures on the generated store:", "，".join(f"{k} {v}" for k, v in f["figures"].items()))
    print("  rates:", "，".join(f"{r['label']} {r['value']}%（{r['met']}/{r['of']}）" for r in f["rates"]))
    print("  by channel:", "，".join(f"{c['label']} {c['received']}" for c in f["by_channel"]))
    print(f"  digest --print: {big['digest_lines']} lines")


if __name__ == "__main__":
    main()
