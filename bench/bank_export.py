"""Benchmark: export a 100,000-line payment batch, against baselines measured in the same run.

    make bench                      # all benchmarks
    .venv/bin/python bench/bank_export.py [--lines 100000] [--repeat 3]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/huzhou_bench); the data
set is created once and reused. Every measurement runs in a fresh process, so peak memory (VmHWM) is its own.
Compared:
  * CSV export (subsidies.bank_files.csv_rows, streamed; the 批量转账 layout, all lines 对公) vs a bare ORM read of
    the same rows (values_list iterator);
  * XLSX export (subsidies.bank_files.write_xlsx, openpyxl write-only, every text cell through the formula check)
    vs a bare openpyxl write-only dump of the same cells (序号, the line's fields, 汇路, purpose) read the same way,
    with no layout logic and no cell checks.
Targets (issue 7): CSV <= 1.3x the bare read, XLSX <= 1.3x the bare dump, peak memory under 150 MB.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/huzhou_bench")
BATCH = "BENCH-EXPORT"


def django_setup():
    from bench.loadkit.db import database_create

    database_create(BENCH_DB)
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_craftsman.settings")
    import django

    django.setup()


def seed(lines: int) -> None:
    """Create (once) a batch of ``lines`` payment lines over lines/2 awards of two instalments each."""
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from applications.models import Application, Round
    from huzhou_craftsman.accounts.models import District, Organisation, User
    from subsidies.models import Award, Instalment, PaymentBatch, PaymentLine

    if PaymentBatch.objects.filter(number=BATCH, line_count=lines).exists():
        return
    PaymentBatch.objects.filter(number=BATCH).delete()
    user, _ = User.objects.get_or_create(username="bench-maker")
    district = District.objects.get(code="wuxing")
    organisation, _ = Organisation.objects.get_or_create(
        uscc="91330502MA2B3C4D58",
        defaults={"name": "基准测试企业有限公司", "district": district, "contact_name": "测试", "contact_mobile": "13905720000",
                  "bank_account_name": "基准测试企业有限公司", "bank_account_number": "33050161627000000123",
                  "bank_name": "中国建设银行湖州分行", "bank_cnaps_code": "105336000012", "is_verified": True},
    )  # fmt: skip
    now = timezone.now()
    round_ = Round.objects.create(scheme="craftsman_title", title="基准测试批次", year=2026, opens_at=now,
                                  closes_at=now + timezone.timedelta(days=1))  # fmt: skip
    awards = lines // 2
    start = Application.objects.count()
    apps = Application.objects.bulk_create(
        [Application(number=f"BENCH{start + i:08d}", round=round_, organisation=organisation, district=district,
                     scheme="craftsman_title", level="grand", state="approved", created_by=user)
         for i in range(awards)],
        batch_size=5000,
    )  # fmt: skip
    award_rows = Award.objects.bulk_create(
        [Award(application=a, organisation=organisation, scheme="craftsman_title", level="grand",
               total=Decimal("200000.00"), basis="第3条", policy_edition="huzhou-2021") for a in apps],
        batch_size=5000,
    )  # fmt: skip
    today = timezone.localdate()
    instalments = Instalment.objects.bulk_create(
        [Instalment(award=a, year=y, amount=Decimal("100000.00"), due_on=today, state="in_batch")
         for a in award_rows for y in (1, 2)],
        batch_size=5000,
    )  # fmt: skip
    batch = PaymentBatch.objects.create(number=BATCH, state="approved", created_by=user,
                                        line_count=len(instalments), total=Decimal("100000.00") * len(instalments))  # fmt: skip
    PaymentLine.objects.bulk_create(
        [PaymentLine(batch=batch, instalment=i, line_number=n, amount=i.amount, account_name=organisation.name,
                     account_number=f"62220212{n:011d}", bank_name=organisation.bank_name, cnaps_code="105336000012",
                     note=f"BENCH{n:08d} 第{i.year}期")
         for n, i in enumerate(instalments, start=1)],
        batch_size=5000,
    )  # fmt: skip


def measure(kind: str) -> dict:
    """Run one measurement in this (fresh) process; return seconds and peak RSS in MB."""
    from openpyxl import Workbook

    from subsidies import bank_files
    from subsidies.models import PaymentBatch

    batch = PaymentBatch.objects.get(number=BATCH)
    fields = ("account_number", "account_name", "bank_name", "cnaps_code", "amount", "note")
    started = time.perf_counter()
    if kind == "orm_read":
        count = sum(1 for _ in batch.lines.order_by("line_number").values_list(*fields).iterator(chunk_size=5000))
    elif kind == "csv_export":
        count = 0
        with tempfile.TemporaryFile() as sink:
            for chunk in bank_files.csv_rows(batch, bank_files.LAYOUTS["transfer"]):
                sink.write(chunk)
                count += 1
    elif kind == "bare_xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("bench")
        count = 0
        for row in batch.lines.order_by("line_number").values_list(*fields).iterator(chunk_size=5000):
            count += 1
            account_number, account_name, bank_name, cnaps_code, amount, note = row
            sheet.append([count, account_number, account_name, bank_name, cnaps_code, "同行", amount, batch.purpose,
                          note])  # fmt: skip
        with tempfile.TemporaryFile() as sink:
            workbook.save(sink)
    elif kind == "xlsx_export":
        with tempfile.TemporaryFile() as sink:
            bank_files.write_xlsx(batch, sink, bank_files.LAYOUTS["transfer"])
        count = batch.line_count
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: ru_maxrss survives execve and would report the parent's peak.
    status = Path("/proc/self/status").read_text()
    peak_mb = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    return {"kind": kind, "seconds": seconds, "peak_mb": peak_mb, "rows": count}


def run(kind: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", kind], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance" / "bank-export.md"))
    args = parser.parse_args()
    django_setup()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    seed(args.lines)
    kinds = ["orm_read", "csv_export", "bare_xlsx", "xlsx_export"]
    results = {kind: [] for kind in kinds}
    for _ in range(args.repeat):
        for kind in kinds:  # interleaved, so drift affects every kind alike
            results[kind].append(run(kind))
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in results.items()}
    csv_ratio = med["csv_export"] / med["orm_read"]
    xlsx_ratio = med["xlsx_export"] / med["bare_xlsx"]
    machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}, Python {sys.version.split()[0]}"
    lines = [
        "## Bank export of a payment batch (issue 7)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; machine: {machine}; PostgreSQL at {BENCH_DB.split('@')[-1]}",
        f"- Command: `.venv/bin/python bench/bank_export.py --lines {args.lines} --repeat {args.repeat}` (or `make bench`)",
        f"- Batch of {args.lines:,} lines; median of {args.repeat} runs, each measurement in a fresh process.",
        "",
        "| measurement | median s | peak RSS MB |",
        "|---|---:|---:|",
        *[f"| {k} | {med[k]:.2f} | {peak[k]:.0f} |" for k in kinds],
        "",
        f"- CSV export / bare ORM read: **{csv_ratio:.2f}×** (target ≤ 1.3×)",
        f"- XLSX export / bare openpyxl write-only dump: **{xlsx_ratio:.2f}×** (target ≤ 1.3×)",
        f"- Peak memory of the exports: CSV {peak['csv_export']:.0f} MB, XLSX {peak['xlsx_export']:.0f} MB (target < 150 MB)",
        "",
    ]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
