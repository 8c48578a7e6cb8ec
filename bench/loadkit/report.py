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


QUEUE_TARGET = 0.9  # issue 18 (issue 9 asked for 0.8)


def report(data: dict, path: Path) -> None:
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
    ]
    if data["throughput"]:
        lines += throughput_lines(data)
    else:
        lines += ["## 1. Reviewer queue and enterprise home: not run in this run (`--skip-throughput`)", ""]
    lines += rush_lines(data["rush"])
    lines += documents_lines(data["documents"])
    path.write_text("\n".join(lines))


def throughput_lines(data: dict) -> list[str]:
    t = data["throughput"]
    bare, layout, admin = t["bare list view"], t["bare list view in the layout"], t["admin changelist"]
    lines = [
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
        f"Targets (issue 18, after issue 9): queue and home >= {QUEUE_TARGET}x the bare 50-row list view, >= 4x the "
        "admin changelist.",
        "",
    ]
    for name in ("reviewer queue (district)", "reviewer queue (city)", "enterprise home"):
        rps = median(t[name], "rps")
        lines.append(
            f"- {name}: {rps / median(bare, 'rps'):.2f}x the bare list view "
            f"({'met' if rps >= QUEUE_TARGET * median(bare, 'rps') else 'NOT met'}), "
            f"{rps / median(layout, 'rps'):.2f}x the bare list view in the layout, "
            f"{rps / median(admin, 'rps'):.2f}x the admin changelist "
            f"({'met' if rps >= 4 * median(admin, 'rps') else 'NOT met'})."
        )
    return lines + [""]


def _ms(value) -> str:
    return f"{value:.0f}"


def rush_lines(rushes: dict) -> list[str]:
    bare, portal = rushes["bare"], rushes["portal"]
    users = portal[0]["users"]
    rows = [
        ("double clicks answered per second (whole rush)", "clicks_per_s", "{:.1f}"),
        ("submit POSTs answered per second", "posts_per_s", "{:.1f}"),
        ("first page request to last POST answered", "rush_s", "{:.1f} s"),
        ("page (GET) p50 / p99", None, None),
        ("submit (POST) p50 / p99", None, None),
        ("POSTs sent / failed (not a 302)", None, None),
    ]
    header = ["figure"] + [f"bare {n + 1}" for n in range(len(bare))] + [f"portal {n + 1}" for n in range(len(portal))]
    lines = [
        "## 2. The deadline rush (locust), against a bare baseline",
        "",
        f"{users:,} enterprise users (locust, all started at once, bounded to 180 s, on loopback). **Portal:** each "
        "has a complete draft (form, draft and upload services) in a round closing within the hour; it opens the "
        "application page, then submits with a double click (two POSTs at the same moment). **Bare baseline:** the "
        "same users open a minimal form page in the portal's layout and post it twice at the same moment; each POST "
        "validates the form and inserts one row and one audit row in one transaction (`bare_submit` in "
        "bench/loadkit/urls.py, routed only by the benchmark's settings). The two take turns in the same run.",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    everyone = bare + portal
    for label, key, fmt in rows:
        if key:
            cells = [fmt.format(r[key]) if r[key] is not None else "-" for r in everyone]
        elif label.startswith("page"):
            cells = [f"{_ms(r['detail_p50_ms'])} / {_ms(r['detail_p99_ms'])} ms" for r in everyone]
        elif label.startswith("submit"):
            cells = [f"{_ms(r['submit_p50_ms'])} / {_ms(r['submit_p99_ms'])} ms" for r in everyone]
        else:
            cells = [f"{r['submit_posts']} / {r['submit_failures']}" for r in everyone]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    clicks = statistics.median(r["clicks_per_s"] or 0 for r in portal) / statistics.median(
        r["clicks_per_s"] or 1 for r in bare
    )
    p99 = statistics.median(r["submit_p99_ms"] for r in portal) / statistics.median(r["submit_p99_ms"] for r in bare)
    lines += [
        "",
        "Targets (issue 18), medians over the rounds:",
        "",
        f"- submit throughput {clicks:.2f}x the bare baseline's (target >= 0.5x: {'met' if clicks >= 0.5 else 'NOT met'})",
        f"- submit p99 {p99:.2f}x the bare baseline's p99 (target <= 3x: {'met' if p99 <= 3 else 'NOT met'})",
        "",
        "Counted in the database after each portal rush:",
        "",
        "| figure | " + " | ".join(f"portal {n + 1}" for n in range(len(portal))) + " |",
        "|---|" + "---:|" * len(portal),
    ]
    for label, key in (
        ("drafts prepared", "drafts"),
        ("submitted (state `submitted`)", "submitted"),
        ("still drafts (lost submissions)", "still_draft"),
        ("submission versions", "versions"),
        ("applications with two versions (duplicates)", "apps_with_two_versions"),
        ("`application.submit` audit events", "submit_events"),
        ("claim keys registered", "claim_keys"),
        ("notifications written", "notifications"),
        ("first to last `submitted_at`", "first_to_last_submission_s"),
    ):
        lines.append(f"| {label} | " + " | ".join(
            f"{r[key]:.1f} s" if isinstance(r[key], float) else str(r[key]) for r in portal) + " |")  # fmt: skip
    lines.append(
        "| bare baseline rows / audit events | " + " | ".join(f"{r['rows']} / {r['events']}" for r in bare) + " |"
    )
    ok = all(
        r["still_draft"] == 0 and r["apps_with_two_versions"] == 0 and r["submitted"] == r["users"]
        and r["submit_events"] == r["users"] and r["versions"] == r["users"]
        for r in portal
    )  # fmt: skip
    lines += [
        "",
        f"**Zero lost, zero duplicated: {'met' if ok else 'NOT met'}.** The second POST of each double click is "
        "refused by the row lock and state check (it answers with the message “这份申报已经提交，无需重复提交”); "
        "the bare baseline has no such guard, so each of its double clicks inserts two rows.",
        "",
    ]
    return lines


def documents_lines(d: dict) -> list[str]:
    return [
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
        "[bank-export.md](bank-export.md); the profile of the submit path: [submit-profile.md](submit-profile.md).",
        "",
    ]
