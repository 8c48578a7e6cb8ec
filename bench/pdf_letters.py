"""Benchmark: approval letters rendered in one warm process, against a bare WeasyPrint render of the same HTML.

    .venv/bin/python bench/pdf_letters.py [--count 200] [--json results.json]

It builds its own throw-away SQLite database and media folder in a temporary directory (it never touches a
shared database), creates ``count`` grand-craftsman awards with a numbered letter each, then measures, in order:

1. portal   ``services.document_generate_now`` per letter — what a worker does: lock, read the award, template,
            QR code, WeasyPrint with the process's one FontConfiguration and the static-only fetcher, the PAdES
            seal (pyHanko, the process's loaded key; issue 16), store the
            file, SHA-256, update the row, audit event;
2. bare     ``weasyprint.HTML(string=html).write_pdf()`` of the very same HTML — WeasyPrint's defaults, which
            make a new FontConfiguration per document;
3. bare+fc  the same with one shared FontConfiguration (to show where the difference comes from).

The phases run one after the other, not interleaved, so the memory of one does not blur the other's. Memory is
the resident set (VmRSS) at checkpoints and the process peak (``resource.getrusage``); standard library only.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = (1, 50, 100, 150, 200)


def rss_mb() -> float:
    """The current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_craftsman.settings")
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("make_demo_signing_cert", verbosity=0)  # letters are sealed, as in a worker with signing on


def make_letters(count: int):
    """``count`` grand-craftsman awards (two instalments) with one pending, numbered letter each."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from applications.models import Application, Person, Round
    from huzhou_craftsman.accounts.models import District, Organisation, User
    from subsidies.documents import services
    from subsidies.models import Award, Instalment
    from tests.factories import make_resident_id, make_uscc

    district = District.objects.get(code="wuxing")
    user = User.objects.create(username="bench", full_name="基准测试")
    user.groups.set([Group.objects.get(name="enterprise")])
    now = timezone.now()
    round_ = Round.objects.create(
        scheme="craftsman_title", title="2026年度基准批次", year=2026, opens_at=now - timedelta(days=1), closes_at=now
    )
    documents = []
    for n in range(count):
        organisation = Organisation.objects.create(
            name=f"湖州基准测试精密机械制造有限公司{n:03d}",
            uscc=make_uscc(n),
            district=district,
            contact_name="联系人",
            contact_mobile="13905721234",
            bank_account_name="户名",
            bank_account_number="33050161627000001234",
            bank_name="中国建设银行湖州分行",
            bank_cnaps_code="105336000012",
        )
        person = Person.objects.create(resident_id=make_resident_id(n, birth="19800506"), name=f"王建{n:03d}")
        application = Application.objects.create(
            number=f"HZGJ2026B{n:05d}", round=round_, organisation=organisation, district=district,
            scheme="craftsman_title", level="grand", person=person, state="approved", created_by=user,
        )  # fmt: skip
        award = Award.objects.create(
            application=application, organisation=organisation, person=person, scheme="craftsman_title",
            level="grand", total=Decimal("200000.00"), basis="第3条 湖州大工匠 资助200,000元，分两年拨付",
            policy_edition="huzhou-2021",
        )  # fmt: skip
        for year in (1, 2):
            Instalment.objects.create(
                award=award, year=year, amount=Decimal("100000.00"), due_on=date(2025 + year, 5, 6)
            )
        with transaction.atomic():
            documents.append(services.document_request(award=award, enqueue=False))
    return documents


def machine() -> dict:
    import weasyprint
    from weasyprint.text.ffi import pango

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "pango": f"{pango.pango_version() // 10000}.{pango.pango_version() // 100 % 100}.{pango.pango_version() % 100}",
    }


def run(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="pdf-letters-") as tmp:
        setup_django(Path(tmp))
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        from subsidies.documents import render, services

        documents = make_letters(count + 5)
        warmup, documents = documents[:5], documents[5:]
        for document in warmup:  # imports, font discovery, template compilation: paid once per worker process
            services.document_generate_now(document)

        results = {"count": count, "machine": machine(), "load_average_before": os.getloadavg(), "phases": {}}

        def phase(name, step):
            times, sizes, rss = [], [], []
            for document in documents:
                started = time.perf_counter()
                size = step(document)
                times.append(time.perf_counter() - started)
                sizes.append(size)
                rss.append(rss_mb())
            settled = rss[len(rss) // 4 :]  # after the first quarter: does it keep growing?
            results["phases"][name] = {
                **summary(times),
                "size_kb_mean": round(statistics.fmean(sizes) / 1024, 1),
                "size_kb_max": round(max(sizes) / 1024, 1),
                "rss_mb_at": {i: round(rss[i - 1], 1) for i in CHECKPOINTS if i <= len(rss)},
                "rss_mb_min_max_after_first_quarter": [round(min(settled), 1), round(max(settled), 1)],
                "rss_mb_first_vs_last_quarter_mean": [
                    round(statistics.fmean(rss[: len(rss) // 4]), 1),
                    round(statistics.fmean(rss[-(len(rss) // 4) :]), 1),
                ],
                "peak_rss_mb_after": round(peak_mb(), 1),
            }

        phase("portal", lambda d: services.document_generate_now(d).size)
        html = {d.pk: render.document_html(d) for d in documents}  # the same HTML, made outside the timing
        phase("bare", lambda d: len(HTML(string=html[d.pk]).write_pdf()))
        shared = FontConfiguration()
        phase("bare+fc", lambda d: len(HTML(string=html[d.pk]).write_pdf(font_config=shared)))

        from django.conf import settings

        results["signed"] = bool(settings.DOCUMENT_SIGNING)
        results["load_average_after"] = os.getloadavg()  # other work on the machine makes the phases noisier
        portal, bare = results["phases"]["portal"], results["phases"]["bare"]
        results["ratio_portal_to_bare_mean"] = round(portal["mean_ms"] / bare["mean_ms"], 3)
        results["ratio_portal_to_bare_median"] = round(portal["median_ms"] / bare["median_ms"], 3)
        results["ratio_portal_to_bare_fc_median"] = round(
            portal["median_ms"] / results["phases"]["bare+fc"]["median_ms"], 3
        )
        return results


def report(results: dict, path: Path) -> None:
    """Write this run's figures as Markdown (what `make bench` leaves in docs/performance/)."""
    from datetime import datetime

    phases = results["phases"]
    lines = [
        "# Approval letters: the worker's render against a bare WeasyPrint render",
        "",
        "Written by `bench/pdf_letters.py` (`make bench`); see docs/PERFORMANCE.md for what is timed and why.",
        "",
        f"- **Date:** {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- **Machine:** {', '.join(f'{k} {v}' for k, v in results['machine'].items())}",
        f"- **Load average before / after:** {' '.join(f'{x:.2f}' for x in results['load_average_before'])} / "
        f"{' '.join(f'{x:.2f}' for x in results['load_average_after'])}",
        f"- **Command:** `.venv/bin/python bench/pdf_letters.py --count {results['count']}`",
        "",
        "| phase | mean ms | median ms | p95 ms | max ms | size KB (mean / max) | RSS MB after the first quarter "
        "(min / max) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for name, p in phases.items():
        low, high = p["rss_mb_min_max_after_first_quarter"]
        lines.append(
            f"| {name} | {p['mean_ms']} | {p['median_ms']} | {p['p95_ms']} | {p['max_ms']} | "
            f"{p['size_kb_mean']} / {p['size_kb_max']} | {low} / {high} | {p['peak_rss_mb_after']} |"
        )
    lines += [
        "",
        f"Portal / bare: {results['ratio_portal_to_bare_mean']}x (mean), {results['ratio_portal_to_bare_median']}x "
        f"(median); portal / bare with one shared FontConfiguration: {results['ratio_portal_to_bare_fc_median']}x "
        "(median). The portal phase renders **and seals** each letter (PAdES signature with pyHanko, the visible seal "
        "image; issue 16). Targets: <= 1.5x the bare render (issue 16; it was 1.3x unsigned in issue 6), memory flat, "
        "under 500 KB a letter.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance" / "pdf-letters.md")
    args = parser.parse_args()
    results = run(args.count)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    report(results, args.output)


if __name__ == "__main__":
    main()
