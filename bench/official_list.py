"""Benchmark: a 10,000-row official list (免申即享) validated, matched and turned into offers, against a bare bulk
insert of the same rows measured in the same run.

    .venv/bin/python bench/official_list.py [--rows 10000] [--repeat 3] [--json out.json]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/hz_official_list_bench);
the database is created and migrated when missing. Every measurement runs inside a transaction that is rolled back,
so each repeat sees the same database (200 registered organisations, no people yet).

Compared:
  * portal: ``applications.official_list_services.official_list_import`` on the XLSX — every row read and checked
    (resident ID checksum and birth date, USCC, title and basis codes, duplicates, names against the registered
    people), people created, organisations matched by USCC, the rules engine pricing each offer with 就高 against
    earlier awards, claim clashes looked up, then the list, its rows and the offers written with their audit event
    and messages; reported with and without the XLSX read (openpyxl), which is timed on its own;
  * bare insert: ``bulk_create`` of exactly what the import writes — the people, the list row, the 10,000 list rows
    and the 10,000 offers (Application rows), built from already-known values with no reading, checking, matching
    or pricing;
  * rows only: ``bulk_create`` of the 10,000 list rows alone (the narrowest reading of "the same rows").
Target (issue 17): portal ≤ 2× the bare insert; memory flat: the Python peak allocation of an import does not grow
with the list (measured at a quarter, half, the full size and twice it, up to the 20,000-row cap).
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/hz_official_list_bench")
ORGANISATIONS = 200
HEADER = ["姓名", "身份证号", "工作单位", "统一社会信用代码", "省级称号", "获评年度", "直接认定条件"]
TITLES = ["浙江大工匠", "浙江杰出工匠", "浙江工匠", "浙江青年工匠"]


def django_setup():
    from bench.loadkit.db import database_create

    database_create(BENCH_DB)
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_craftsman.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def uscc_of(seq: int) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    rnd = random.Random(seq)
    while True:
        body = "9133050" + rnd.choice("23") + "".join(rnd.choice(alphabet) for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        try:
            uscc.validate(code)
        except Exception:  # noqa: S112 - the organisation-code check character is wrong; draw again
            continue
        return code


def resident_id_of(seq: int) -> str:
    from stdnum.cn import ric

    day = date(1970, 1, 1).toordinal() + seq // 1000
    body = f"330502{date.fromordinal(day):%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def seed():
    """The fixed world: 200 registered organisations, a title round, an importer (created once)."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from applications.models import Round
    from huzhou_craftsman.accounts.models import District, Organisation, User

    district = District.objects.get(code="wuxing")
    for n in range(ORGANISATIONS):
        Organisation.objects.get_or_create(
            uscc=uscc_of(n),
            defaults={"name": f"基准企业{n}", "district": district, "contact_name": "联系人", "contact_mobile": "13905721234",
                      "bank_account_name": f"基准企业{n}", "bank_account_number": "33050161627000001234",
                      "bank_name": "建设银行", "bank_cnaps_code": "105336000012", "is_verified": True},
        )  # fmt: skip
    user, _created = User.objects.get_or_create(username="bench-importer")
    user.groups.set([Group.objects.get(name="city_reviewer")])
    round, _created = Round.objects.get_or_create(
        title="基准：省级称号直接认定",
        defaults={"scheme": "craftsman_title", "year": 2026, "opens_at": timezone.now(),
                  "closes_at": timezone.now() + timedelta(days=30)},
    )  # fmt: skip
    return User.objects.get(pk=user.pk), round


def list_rows(n: int) -> list[list]:
    return [
        [f"人员{i}", resident_id_of(i), f"基准企业{i % ORGANISATIONS}", uscc_of(i % ORGANISATIONS), TITLES[i % 4], 2025,
         "在湖申报入选"]
        for i in range(n)
    ]  # fmt: skip


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Rollback(Exception):
    pass


def rolled_back(fn):
    """Run ``fn`` in a transaction that is rolled back; return (seconds, result)."""
    from django.db import transaction

    result = {}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            result["value"] = fn()
            result["seconds"] = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return result["seconds"], result["value"]


def portal(user, round, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.official_list_services import official_list_import

    def run():
        return official_list_import(
            kind="provincial_titles", round=round, document_number="基准〔2026〕1号", document_date=date(2026, 11, 1),
            upload=SimpleUploadedFile("list.xlsx", data), by=user,
        )  # fmt: skip

    return rolled_back(run)


def read_only(data: bytes) -> float:
    from applications.official_list_rows import read_rows

    start = time.perf_counter()
    for _row in read_rows(io.BytesIO(data), "provincial_titles"):
        pass
    return time.perf_counter() - start


def bare(user, round, rows, *, rows_only: bool):
    from django.core.files.base import ContentFile

    from applications.models import Application, OfficialList, OfficialListRow, Person
    from huzhou_craftsman.accounts.models import Organisation

    organisations = {o.uscc: o for o in Organisation.objects.all()}
    levels = {"浙江大工匠": "grand", "浙江杰出工匠": "grand", "浙江工匠": "craftsman", "浙江青年工匠": "youth"}

    def run():
        official_list = OfficialList(
            kind="provincial_titles", round=round, document_number="裸插入", document_key="裸插入",
            document_date=date(2026, 11, 1), original_name="list.xlsx", sha256="0" * 64, imported_by=user,
        )  # fmt: skip
        official_list.file.save("list.xlsx", ContentFile(b"PK"), save=False)
        official_list.save()
        people = [] if rows_only else Person.objects.bulk_create(
            [Person(resident_id=r[1], name=r[0]) for r in rows], batch_size=1000
        )  # fmt: skip
        offers = []
        if not rows_only:
            offers = Application.objects.bulk_create(
                [Application(number=f"BARE{i:08d}", round=round, organisation=organisations[r[3]],
                             district_id=organisations[r[3]].district_id, scheme="craftsman_title",
                             level=levels[r[4]], person=p, state="offered",
                             details={"route": "direct", "provincial_title": r[4], "title_year": 2025},
                             estimate_total=10000, estimate_basis="第3条", created_by=user)
                 for i, (r, p) in enumerate(zip(rows, people, strict=True))], batch_size=1000,
            )  # fmt: skip
        OfficialListRow.objects.bulk_create(
            [OfficialListRow(official_list=official_list, row_key=f"{r[1]}:{r[4]}", row_number=i + 2, name=r[0],
                             resident_id=r[1], uscc=r[3], organisation_name=r[2], level=levels[r[4]],
                             provincial_title=r[4], in_huzhou_basis="selected_in_huzhou", title_year=2025,
                             status="offered", organisation=organisations[r[3]],
                             person=people[i] if people else None, offer=offers[i] if offers else None)
             for i, r in enumerate(rows)], batch_size=1000,
        )  # fmt: skip
        return len(rows)

    return rolled_back(run)


def peak_bytes(user, round, n: int) -> int:
    data = xlsx_bytes(list_rows(n))
    tracemalloc.start()
    portal(user, round, data)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    django_setup()
    user, round = seed()
    rows = list_rows(args.rows)
    data = xlsx_bytes(rows)
    times = {"portal": [], "xlsx_read": [], "bare_insert": [], "rows_only": []}
    for _ in range(args.repeat):  # interleaved, so load on the machine hits every phase alike
        seconds, outcome = portal(user, round, data)
        assert outcome.offered == args.rows, outcome
        times["portal"].append(seconds)
        times["xlsx_read"].append(read_only(data))
        times["bare_insert"].append(bare(user, round, rows, rows_only=False)[0])
        times["rows_only"].append(bare(user, round, rows, rows_only=True)[0])
    median = {k: statistics.median(v) for k, v in times.items()}
    from applications.official_list_rows import MAX_ROWS

    sizes = sorted({args.rows // 4, args.rows // 2, args.rows, min(2 * args.rows, MAX_ROWS)})
    memory = {n: peak_bytes(user, round, n) for n in sizes}
    report = {
        "rows": args.rows,
        "repeat": args.repeat,
        "seconds_median": {k: round_(v) for k, v in median.items()},
        "portal_without_xlsx_read": round_(median["portal"] - median["xlsx_read"]),
        "ratio_portal_to_bare_insert": round_(median["portal"] / median["bare_insert"]),
        "ratio_portal_without_read_to_bare_insert": round_(
            (median["portal"] - median["xlsx_read"]) / median["bare_insert"]
        ),
        "ratio_portal_to_rows_only": round_(median["portal"] / median["rows_only"]),
        "python_peak_bytes_per_row": {n: int(peak / n) for n, peak in memory.items()},
        "python_peak_mb": {n: round_(peak / 1048576) for n, peak in memory.items()},
        "peak_largest_over_quarter": round_(memory[sizes[-1]] / memory[sizes[0]]),
        "peak_growth_bytes_per_extra_row": int((memory[sizes[-1]] - memory[sizes[0]]) / (sizes[-1] - sizes[0])),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")


def round_(value: float) -> float:
    return round(value, 3)


if __name__ == "__main__":
    main()
