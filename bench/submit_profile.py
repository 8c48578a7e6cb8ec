"""Profile: the application page and the submit path, in one warm process, under pyinstrument.

    make bench                                      # every benchmark, this one included
    .venv/bin/python bench/submit_profile.py        # this one: [--drafts 100] [--output docs/performance/submit-profile.md]

Uses the data set of bench/portal_load.py (BENCH_DATABASE_URL, created there once and reused). Prepares ``--drafts``
complete drafts in a new round closing within the hour (through the form, draft and upload services, as the rush
does), then, for every draft in turn and through Django's whole middleware stack (test client, DEBUG off, sessions in
PostgreSQL, the benchmark's settings): opens its application page, submits it, and clicks submit a second time (the
refused double click). The same is done for the bare baseline of bench/loadkit/urls.py (a form, one row and one
audit row). Each kind of request runs under its own pyinstrument profiler; the report gives, per request, the mean
time and the SQL queries, and the profiles' top lines (call tree, then the functions with the most time of their
own).

Results: docs/performance/submit-profile.md.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadkit.dataset import log, seed_volume
from bench.loadkit.db import database_create
from bench.portal_load import BENCH_DB, django_setup

TREE_LINES = 45
FLAT_LINES = 25


def run(name: str, timed: list, profiled: list, client_for, *, expect: int) -> dict:
    """Make every request of ``timed`` ((session, method, path, data)) without a profiler, timing each, then every
    request of ``profiled`` under one profiler, counting their SQL queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    def make(client, method, path, data):
        response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        assert response.status_code == expect, (name, path, response.status_code)

    timings, queries = [], []
    for session, method, path, data in timed:
        client = client_for(session)
        started = time.perf_counter()
        make(client, method, path, data)
        timings.append((time.perf_counter() - started) * 1000)
    profiler = Profiler(interval=0.0005)
    for session, method, path, data in profiled:
        client = client_for(session)
        with CaptureQueriesContext(connection) as captured:
            profiler.start()
            make(client, method, path, data)
            profiler.stop()
        queries.append(len(captured.captured_queries))
    session = profiler.last_session
    from pyinstrument.renderers import ConsoleRenderer

    tree = profiler.output(ConsoleRenderer(unicode=True, color=False, short_mode=True))
    flat = profiler.output(ConsoleRenderer(unicode=True, color=False, flat=True))
    return {
        "name": name,
        "requests": len(timed),
        "mean_ms": statistics.mean(timings),
        "median_ms": statistics.median(timings),
        "queries": statistics.median(queries),
        "profiled_s": session.duration if session else 0.0,
        "tree": _trim(tree, TREE_LINES),
        "flat": _trim(flat, FLAT_LINES),
    }


def _trim(text: str, lines: int) -> str:
    body = [line for line in text.splitlines() if line.strip() and not re.match(r"^\s*_\s*\._", line)]
    # Drop pyinstrument's banner (its logo and the "Recorded:" lines) and keep the tree's first lines.
    start = next((i for i, line in enumerate(body) if re.match(r"^\s*[\d.]+\s", line)), 0)
    return "\n".join(body[start : start + lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=100)
    parser.add_argument("--applications", type=int, default=100000)
    parser.add_argument("--output", type=Path, default=ROOT / "docs/performance/submit-profile.md")
    args = parser.parse_args()

    database_create(BENCH_DB)
    logs = Path(tempfile.mkdtemp(prefix="submit-profile-"))
    django_setup(logs / "media")
    seed_volume(args.applications)

    from django.conf import settings
    from django.test import Client

    from bench.portal_load import rush_prepare

    assert not settings.DEBUG, "profile with DEBUG off, as the portal runs"
    tag = "profile-" + datetime.now().strftime("%Y%m%d%H%M%S")
    # Twice the drafts (and two to warm up with): the first half timed without the profiler, the second profiled.
    _, accounts = rush_prepare(2 * args.drafts + 2, tag)
    log(f"{len(accounts)} drafts ready; timing, then profiling")
    # One client (one handler, its middleware loaded once, as in a gunicorn worker), signed in per request.
    client = Client(HTTP_HOST="127.0.0.1")

    def client_for(session: str) -> Client:
        client.cookies.clear()
        client.cookies["sessionid"] = session
        return client

    def calls(kind: str, drafts: list, first: int = 0) -> list:
        """The requests of one kind for these drafts (``first``: the number of the first bare row's reference)."""
        return {
            "page": [(a["session"], "get", f"/applications/{a['application']}/", None) for a in drafts],
            "submit": [(a["session"], "post", f"/applications/{a['application']}/submit/", {}) for a in drafts],
            "bare_page": [(a["session"], "get", "/bench/bare-submit/", None) for a in drafts],
            "bare_post": [
                (a["session"], "post", "/bench/bare-submit/", {"reference": f"{tag}-{first + n}", "note": "基准"})
                for n, a in enumerate(drafts)
            ],
        }[kind]

    timed, profiled, warm = accounts[: args.drafts], accounts[args.drafts : 2 * args.drafts], accounts[-2:]

    def both(name: str, kind: str, expect: int) -> dict:
        return run(name, calls(kind, timed), calls(kind, profiled, len(timed)), client_for, expect=expect)

    # Warm every code path once (imports, template loading), then measure.
    for kind in ("page", "bare_page"):
        run("warm-up", calls(kind, warm), calls(kind, warm), client_for, expect=200)
    results = [
        both("application page (GET)", "page", 200),
        both("submit (POST, first click)", "submit", 302),
        both("submit (POST, second click: refused)", "submit", 302),
        both("bare baseline page (GET)", "bare_page", 200),
        both("bare baseline insert (POST)", "bare_post", 302),
    ]
    report(results, args)
    log(f"written {args.output}")


def report(results: list[dict], args) -> None:
    from bench.loadkit.report import machine, versions

    lines = [
        "# Profile of the submit path and the application page",
        "",
        "Written by `bench/submit_profile.py` (`make bench`; alone: "
        f"`.venv/bin/python bench/submit_profile.py --drafts {args.drafts}`). One warm process, Django's test client "
        "through the whole middleware stack (sessions in PostgreSQL, DEBUG off, the benchmark's settings), on the "
        "data set of bench/portal_load.py. Each kind of request is made for two sets of drafts: the first is timed "
        "without a profiler (the times below, which include the test client), the second runs under pyinstrument "
        "(samples every 0.5 ms) with its SQL queries counted (the call trees and the query counts). Compare rows "
        "with one another, not with the HTTP benchmark.",
        "",
        f"- **Date:** {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- **Machine:** {machine()}; load average {'{:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())} "
        "(at the end of the run)",
        f"- **Software:** {versions()}",
        "",
        "| request | requests | mean ms | median ms | SQL queries |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['requests']} | {r['mean_ms']:.1f} | {r['median_ms']:.1f} | {r['queries']:.0f} |"
        )
    by_name = {r["name"]: r["mean_ms"] for r in results}
    portal = sum(by_name[n] for n in list(by_name)[:3])
    bare = by_name["bare baseline page (GET)"] + 2 * by_name["bare baseline insert (POST)"]
    lines += [
        "",
        f"One user of the rush (page, first click, refused second click): **{portal:.1f} ms** in this process; "
        f"the bare baseline's (page, two inserts): **{bare:.1f} ms**; ratio **{bare / portal:.2f}** (the load "
        "generator's and PostgreSQL's share of the machine, which both pay alike, is not in it).",
    ]
    for r in results:
        lines += [
            "",
            f"## {r['name']}",
            "",
            f"Call tree (pyinstrument, {r['profiled_s']:.2f} s over {r['requests']} requests; first {TREE_LINES} lines):",
            "",
            "```",
            r["tree"],
            "```",
            "",
            f"Functions by time of their own (first {FLAT_LINES} lines):",
            "",
            "```",
            r["flat"],
            "```",
        ]
    args.output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
