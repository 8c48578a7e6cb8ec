"""The Markdown report of bench/portal_load.py."""

import os
import statistics
import subprocess
import sys
from pathlib import Path

GUNICORN_WORKERS, GUNICORN_THREADS = 3, 4


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")  # fmt: skip
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{cpu}, {os.cpu_count()} vCPUs, {mem:.1f} GiB RAM, {os.uname().sysname} {os.uname().release}"


def versions() -> str:
    from importlib.metadata import version

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"Python {sys.version.split()[0]}, Django {version('django')}, gunicorn {version('gunicorn')}, "
            f"psycopg2 {version('psycopg2-binary')}, PostgreSQL {pg}, {wrk_version.strip()}, "
            f"locust {version('locust')}")  # fmt: skip


def report(data: dict, path: Path) -> None:
    t = data["throughput"]
    bare, layout, admin = t["bare list view"], t["bare list view in the layout"], t["admin changelist"]
    lines = [
        "# The portal at scale: throughput, the deadline rush, approval to documents",
        "",
        "Written by `bench/portal_load.py` (`make bench`). Every figure below was measured in the run described here;",
        "ratios are against baselines measured in the same run, interleaved with the pages they are compared to.",
        "",
        f"- **Date:** {data['date']}",
        f"- **Machine:** {data['machine']}; load average before the run {data['load_before']}, after {data['load_after']}",
        f"- **Software:** {data['versions']}",
        f"- **Command:** `{data['command']}`",
        f"- **Data:** {data['counts']}",
        f"- **Server:** gunicorn {GUNICORN_WORKERS} worker processes x {GUNICORN_THREADS} threads (the Dockerfile's "
        "defaults), DEBUG off, sessions in PostgreSQL, a real Celery worker (prefork, concurrency 1) on Redis; "
        "load generator on the same two cores.",
        "",
        "## 1. Reviewer queue and enterprise home (wrk)",
        "",
        f"wrk -t2 -c{data['connections']} -d{data['duration']}s --latency, {data['rounds']} interleaved rounds per page, "
        "each with a signed-in user's session cookie (two-factor step done for staff) and a new connection per request "
        "(see `wrk()` in bench/portal_load.py for why); every answer was checked to be 200. Medians over the rounds.",
        "",
        "| page | user | req/s (median) | runs | p50 ms | p99 ms | vs bare list | vs bare list in layout | vs admin |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, runs in t.items():
        user = data["users"][name]
        rps = median(runs, "rps")
        lines.append(
            f"| {name} | {user} | {rps:.1f} | {', '.join(format(r['rps'], '.0f') for r in runs)} | "
            f"{median(runs, 'p50'):.1f} | {median(runs, 'p99'):.1f} | {rps / median(bare, 'rps'):.2f}x | "
            f"{rps / median(layout, 'rps'):.2f}x | {rps / median(admin, 'rps'):.2f}x |"
        )
    lines += [
        "",
        "Targets (issue 9): queue and home >= 0.8x the bare 50-row list view, >= 4x the admin changelist.",
        "",
    ]
    for name in ("reviewer queue (district)", "reviewer queue (city)", "enterprise home"):
        rps = median(t[name], "rps")
        lines.append(
            f"- {name}: {rps / median(bare, 'rps'):.2f}x the bare list view "
            f"({'met' if rps >= 0.8 * median(bare, 'rps') else 'NOT met'}), "
            f"{rps / median(layout, 'rps'):.2f}x the bare list view in the layout, "
            f"{rps / median(admin, 'rps'):.2f}x the admin changelist "
            f"({'met' if rps >= 4 * median(admin, 'rps') else 'NOT met'})."
        )
    r = data["rush"]
    lines += [
        "",
        "## 2. The deadline rush (locust)",
        "",
        f"{r['users']} enterprise users (locust, all started at once), each with a complete draft (form, draft and upload "
        "services) in a round closing within the hour: open the application page, then submit with a double click "
        "(two POSTs at the same moment). Counted in the database afterwards:",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| drafts prepared | {r['drafts']} |",
        f"| submitted (state `submitted`) | {r['submitted']} |",
        f"| still drafts (lost submissions) | {r['still_draft']} |",
        f"| submission versions | {r['versions']} |",
        f"| applications with two versions (duplicates) | {r['apps_with_two_versions']} |",
        f"| `application.submit` audit events | {r['submit_events']} |",
        f"| submit POSTs sent / failed (HTTP errors) | {r['submit_posts']} / {r['submit_failures']} |",
        f"| submit p50 / p99 | {r['submit_p50_ms']:.0f} / {r['submit_p99_ms']:.0f} ms |",
        f"| application page p99 | {r['detail_p99_ms']:.0f} ms |",
        f"| first to last submission | {r['first_to_last_submission_s']:.1f} s |",
        f"| submissions per second | {r['submissions_per_s']:.1f} |",
        "",
        f"**Zero lost, zero duplicated: {'met' if r['still_draft'] == 0 and r['apps_with_two_versions'] == 0 and r['submitted'] == r['users'] and r['submit_events'] == r['users'] else 'NOT met'}.** "
        "The second POST of each double click is refused by the row lock and state check (it answers with the "
        "message “这份申报已经提交，无需重复提交”).",
        "",
    ]  # fmt: skip
    d = data["documents"]
    lines += [
        "## 3. Approval to documents ready",
        "",
        f"{len(d['latencies_ms'])} public notices of one grand-craftsman application each (taken through the real "
        "services), closed one after another by the city approver over HTTP (POST, as the button does). Timed from "
        "the POST until the award's letter and two-year schedule are both `ready` (polled every 10 ms), rendered by "
        "the warm worker. Baseline: a bare `weasyprint.HTML(string).write_pdf()` of the same letters' HTML in the "
        "benchmark process, right after.",
        "",
        "| figure | p50 | max |",
        "|---|---:|---:|",
        f"| approval to both documents ready | {statistics.median(d['latencies_ms']):.0f} ms | "
        f"{max(d['latencies_ms']):.0f} ms |",
        f"| bare render of one letter | {statistics.median(d['bare_ms']):.0f} ms | {max(d['bare_ms']):.0f} ms |",
        "",
        f"Ratio (median): {statistics.median(d['latencies_ms']) / statistics.median(d['bare_ms']):.2f}x one bare render "
        "— for two documents, the notice close, the award, the queue hop and the polling.",
        "",
        "PDF letters and bank exports have their own benchmarks: see [PERFORMANCE.md](../PERFORMANCE.md) and "
        "[bank-export.md](bank-export.md).",
        "",
    ]  # fmt: skip
    path.write_text("\n".join(lines))
