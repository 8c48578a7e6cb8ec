"""Benchmark: the portal at scale under gunicorn, PostgreSQL and a real Celery worker, measured with wrk and locust.

    make bench                                   # every benchmark, this one included
    .venv/bin/python bench/portal_load.py        # this one: [--duration 10] [--rounds 3] [--rush-users 1000]

Needs PostgreSQL and Redis (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/huzhou_loadbench;
BENCH_REDIS_URL, default redis://127.0.0.1:6379/9), Debian's wrk and locust (requirements-bench.txt). The data set
(100,000 applications over every scheme and state, 80,000 awards, 200,000 instalments, 2,000 enterprises) is created
once and reused; every run adds its own deadline-rush round and its own approvals on top.

What runs: gunicorn with the deployment's worker model (3 processes x 4 threads, as the Dockerfile) and
``bench.loadkit.settings`` (the portal's settings plus the baseline views), DEBUG off; a real ``celery worker``.

1. Throughput (wrk, 8 connections, the same session cookie per page as a signed-in user would send), interleaved
   rounds so that drift on the shared machine hits every page alike:
   * the reviewer queue (district reviewer, city reviewer) and the enterprise home, against
   * a bare 50-row ``ListView`` of the same table (alone, and inside the portal's layout), and
   * Django admin's changelist of the same model.
   Targets (issue 9, raised by issue 18): queue and home >= 0.9x the bare list view, >= 4x the admin changelist.
2. The deadline rush (locust): 1,000 enterprise users (all started at once, bounded to 180 s, on loopback), each
   with a complete draft in a round closing within the hour, open their application and submit it with a double click
   (two POSTs at once). Counted in the database afterwards: every draft submitted once, no application with two
   submission versions or two submit events. Against the bare baseline in the same run, taking turns with it
   (``--rush-rounds``): the same users open a minimal form page in the layout and post it twice at once; each POST
   validates the form and inserts one row and one audit row (``bare_submit`` in bench/loadkit/urls.py).
   Targets (issue 18): 0 lost, 0 duplicated; submit throughput >= 0.5x the baseline's, p99 <= 3x the baseline's.
3. Approval -> documents ready: a city approver closes a public notice over HTTP; time until the award's letter and
   schedule are ready, rendered by the warm worker; against a bare WeasyPrint render of the same letter.

Results: docs/performance/portal-load.md (and --json).
"""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/huzhou_loadbench")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PY = sys.executable

from bench.loadkit.dataset import log, resident_id, seed_volume, session_cookie, staff_user
from bench.loadkit.db import database_create
from bench.loadkit.report import GUNICORN_THREADS, GUNICORN_WORKERS, machine, report, versions


def server_env(media: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": BENCH_DB,
        "REDIS_URL": BENCH_REDIS,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "bench.loadkit.settings",
        "PORTAL_PUBLIC_URL": "http://127.0.0.1",
    }


# --- The database ---------------------------------------------------------------------------------------------


def django_setup(media: Path) -> None:
    os.environ.update({k: v for k, v in server_env(media).items() if k != "PORTAL_PUBLIC_URL"})
    import django

    django.setup()


# --- Processes ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited early with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - the benchmark's own server on 127.0.0.1
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def start_processes(port: int, media: Path, logs: Path) -> list[subprocess.Popen]:
    env = server_env(media)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "huzhou_craftsman", "worker", "--pool=prefork", "--concurrency=1",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-n", f"bench-{secrets.token_hex(3)}@%h"],
        cwd=ROOT, env=env, stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    web = subprocess.Popen(
        [PY, "-m", "gunicorn", "huzhou_craftsman.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(GUNICORN_WORKERS), "--threads", str(GUNICORN_THREADS), "--worker-tmp-dir", "/dev/shm",  # noqa: S108 - as the Dockerfile
         "--error-logfile", str(logs / "gunicorn.log"), "--backlog", "2048", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/accounts/login/", web)
    from huzhou_craftsman.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=1):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit(f"the Celery worker did not start:\n{(logs / 'worker.log').read_text()}")
    return [web, worker]


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- HTTP -----------------------------------------------------------------------------------------------------


class Browser:
    """A tiny signed-in HTTP client (cookies, CSRF token) for the few requests the benchmark makes itself."""

    def __init__(self, base: str, session: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.session = session

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": f"sessionid={self.session}" + "".join(f"; {c.name}={c.value}" for c in self.jar)}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, html = self.request(path)
        assert status == 200, (path, status)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- 1. Throughput with wrk -----------------------------------------------------------------------------------

WRK_LINE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, session: str, *, duration: int, connections: int) -> dict:
    """One wrk run. Every request opens its own connection ("Connection: close"): with keep-alive, gunicorn's first
    worker to wake up accepts all of wrk's connections at once and the run measures one process on one core (runs
    came out at either about 65 or about 120 requests/s by that luck alone). status.lua counts answers that are not
    200, which wrk itself does not (a redirect to the login page would otherwise count as a fast page)."""
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s",
         "-s", str(ROOT / "bench/loadkit/status.lua"), "-H", "Connection: close",
         "-H", f"Cookie: sessionid={session}", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LINE.findall(out)}
    not_ok = int(re.search(r"Not 200: (\d+)", out).group(1))
    if not_ok or "Socket errors" in out:
        raise SystemExit(f"wrk saw answers other than 200 on {url}:\n{out}")
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"]}


def throughput(base: str, pages: dict, *, duration: int, rounds: int, connections: int) -> dict:
    """Run every page ``rounds`` times in turn; return each page's runs."""
    for name, (path, session, must_contain) in pages.items():  # each page answers 200 with its own content first
        status, html = Browser(base, session).request(path)
        assert status == 200 and must_contain in html, f"{name}: {status}, {must_contain!r} missing"
        wrk(base + path, session, duration=2, connections=connections)  # warm-up, not recorded
    runs = {name: [] for name in pages}
    for r in range(rounds):
        for name, (path, session, _) in pages.items():
            runs[name].append(wrk(base + path, session, duration=duration, connections=connections))
            log(f"round {r + 1} {name}: {runs[name][-1]['rps']:.1f} req/s")
    return runs


# --- 2. The deadline rush -------------------------------------------------------------------------------------


def ready_drafts(title: str, count: int, *, level: str, closes_in: timedelta, id_base: int, newest_first=False):
    """A craftsman-title round named ``title`` closing after ``closes_in``, and ``count`` benchmark enterprises
    with a complete draft each, saved through the scheme form, the draft service and the upload service as the
    browser would; return the round and the (user, application) pairs."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from applications import schemes, services
    from applications.models import Round
    from huzhou_craftsman.accounts.models import User

    now = timezone.now()
    rnd = Round.objects.create(scheme="craftsman_title", title=title, year=2026, opens_at=now - timedelta(days=30),
                               closes_at=now + closes_in)  # fmt: skip
    requirement = rnd.materials.create(name="推荐表（单位盖章）", required=True, sort_order=1)
    seq = Round.objects.filter(title__startswith=title.split("·")[0]).count()  # new people in every run
    users = User.objects.filter(username__startswith="bench-ent-").order_by("-pk" if newest_first else "pk")
    drafts = []
    for n, user in enumerate(users[:count]):
        form = schemes.form_for(rnd, data={
            "person_name": f"基准{id_base + n}", "person_resident_id": resident_id(id_base + seq * 1000 + n),
            "person_mobile": "13905721111", "route": "selection", "level": level, "skill_level": "senior_technician",
            "occupation": "数控车工", "years_in_huzhou": "12", "achievements": "主持完成多项技术攻关。",
        })  # fmt: skip
        assert form.is_valid(), form.errors
        application = services.application_save_draft(by=user, round=rnd, cleaned=form.cleaned_data)
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        services.attachment_add(application=application, requirement=requirement, by=user,
                                upload=SimpleUploadedFile("推荐表.pdf", pdf, content_type="application/pdf"))  # fmt: skip
        if services.pays_person(
            application
        ):  # the nominee's own account, proposed on the page (RULES.md "Who is paid")
            services.payee_account_propose(application=application, by=user, details={
                "account_type": "personal", "account_name": application.person_display_name,
                "account_number": "6217000010001234567", "bank_name": "中国工商银行湖州分行", "cnaps_code": "102336000015",
            }, proof=SimpleUploadedFile("卡.pdf", pdf, content_type="application/pdf"))  # fmt: skip
        problems = services.submission_problems(application)
        assert not problems, f"a benchmark draft could not be submitted at all: {problems}"
        drafts.append((user, application))
    return rnd, drafts


def rush_prepare(users: int, tag: str) -> tuple[object, list[dict]]:
    """A round closing within the hour, and ``users`` enterprises with a complete draft each."""
    rnd, drafts = ready_drafts(f"截止前一小时·{tag}", users, level="craftsman", closes_in=timedelta(minutes=55),
                               id_base=500000)  # fmt: skip
    return rnd, [{"session": session_cookie(user), "application": application.pk} for user, application in drafts]


def bare_prepare(users: int) -> list[dict]:
    """Signed-in sessions of ``users`` benchmark enterprises for the bare baseline (nothing else to prepare)."""
    from huzhou_craftsman.accounts.models import User

    chosen = User.objects.filter(username__startswith="bench-ent-").order_by("pk")[:users]
    return [{"session": session_cookie(user), "application": n} for n, user in enumerate(chosen)]


def locust_rush(base: str, accounts: list[dict], logs: Path, name: str, mode: str, tag: str) -> tuple[list, float]:
    """Run the locustfile over ``accounts`` (all users started at once, bounded to 180 s); return its requests."""
    accounts_file = logs / f"{name}-accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    results_file = logs / f"{name}-requests.json"
    started = time.monotonic()
    users = len(accounts)
    subprocess.run(
        [PY, "-m", "locust", "-f", str(ROOT / "bench/loadkit/locustfile.py"), "--headless", "-u", str(users),
         "-r", str(users), "--run-time", "180s", "--stop-timeout", "30", "--host", base, "--only-summary",
         "--loglevel", "WARNING"],
        cwd=ROOT, env={**os.environ, "RUSH_ACCOUNTS": str(accounts_file), "RUSH_RESULTS": str(results_file),
                       "RUSH_MODE": mode, "RUSH_TAG": tag},
        check=False, stdout=(logs / f"{name}-locust.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return json.loads(results_file.read_text()), time.monotonic() - started


def request_figures(requests: list[dict], users: int) -> dict:
    """What the load generator saw: POST latencies, and double clicks answered per second over the whole rush (from
    the first page request sent to the last POST answered, the same clock for the portal and the bare baseline)."""
    posts = [r for r in requests if r["name"] == "提交申报"]
    pages = [r for r in requests if r["name"] == "申报详情"]
    first = min(r["start"] for r in requests)
    last = max(r["start"] + r["ms"] / 1000 for r in posts) if posts else first
    post_first = min((r["start"] for r in posts), default=first)
    return {
        "users": users,
        "submit_posts": len(posts),
        "submit_failures": sum(1 for r in posts if r["error"] or r["status"] != 302),
        "page_failures": sum(1 for r in pages if r["error"] or r["status"] != 200),
        "submit_p50_ms": percentile([r["ms"] for r in posts], 50),
        "submit_p99_ms": percentile([r["ms"] for r in posts], 99),
        "detail_p50_ms": percentile([r["ms"] for r in pages], 50),
        "detail_p99_ms": percentile([r["ms"] for r in pages], 99),
        "rush_s": last - first,
        "clicks_per_s": (len(posts) // 2) / (last - first) if last > first else None,
        "posts_per_s": len(posts) / (last - post_first) if last > post_first else None,
    }


def bare_rush(base: str, users: int, logs: Path, tag: str, n: int) -> dict:
    """The bare baseline under the same load: open a form, post it twice at once; rows counted afterwards."""
    from bench.loadkit.models import BareSubmission
    from huzhou_craftsman.accounts.models import AuditEvent

    accounts = bare_prepare(users)
    log(f"bare baseline rush {n}: {users} users")
    requests, wall = locust_rush(base, accounts, logs, f"bare-{n}", "bare", f"{tag}-{n}")
    rows = BareSubmission.objects.filter(note=f"{tag}-{n}")
    events = AuditEvent.objects.filter(
        action="bench.bare_submit",
        target_type="loadkit.baresubmission",
        target_id__in=[str(pk) for pk in rows.values_list("pk", flat=True)],
    )
    return {**request_figures(requests, users), "rows": rows.count(), "events": events.count(), "locust_wall_s": wall}


def rush(base: str, users: int, logs: Path, tag: str, n: int) -> dict:
    from django.db.models import Count

    from applications.models import Application, ApplicationVersion, ClaimKey, Notification
    from huzhou_craftsman.accounts.models import AuditEvent

    rnd, accounts = rush_prepare(users, f"{tag}-{n}")
    log(f"deadline rush {n}: {users} users submitting into round {rnd.pk}")
    requests, wall = locust_rush(base, accounts, logs, f"rush-{n}", "portal", f"{tag}-{n}")
    mine = Application.objects.filter(round=rnd)
    versions = ApplicationVersion.objects.filter(application__round=rnd)
    submit_events = AuditEvent.objects.filter(
        action="application.submit",
        target_type="applications.application",
        target_id__in=[str(a["application"]) for a in accounts],
    )
    times = sorted(mine.exclude(submitted_at=None).values_list("submitted_at", flat=True))
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    return {
        **request_figures(requests, users),
        "drafts": mine.count(),
        "submitted": mine.filter(state="submitted").count(),
        "still_draft": mine.filter(state="draft").count(),
        "versions": versions.count(),
        "apps_with_two_versions": versions.values("application").annotate(n=Count("id")).filter(n__gt=1).count(),
        "claim_keys": ClaimKey.objects.filter(application__round=rnd).count(),
        "notifications": Notification.objects.filter(application__round=rnd).count(),
        "submit_events": submit_events.count(),
        "first_to_last_submission_s": span,
        "submissions_per_s": users / span if span else None,
        "locust_wall_s": wall,
    }


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile (nearest rank) of what was measured."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


# --- 3. Approval -> documents ready ---------------------------------------------------------------------------


def notices_prepare(count: int, tag: str, staff: dict) -> list:
    """``count`` grand-craftsman applications taken through the real services to a public notice each, whose
    period has run out (the close button is then offered to the city approver)."""
    from django.db import transaction
    from django.utils import timezone

    from applications import notices, services
    from applications.models import Application, PublicNotice
    from applications.transitions import application_transition
    from applications.workflow import Action

    _, drafts = ready_drafts(f"文书时延·{tag}", count, level="grand", closes_in=timedelta(days=5), id_base=700000,
                             newest_first=True)  # fmt: skip
    result = []
    for n, (user, application) in enumerate(drafts):
        application = services.application_submit(application=application, by=user)
        district_reviewer = staff_user(f"bench-district-{application.district.code}", None,
                                       district=application.district)  # fmt: skip
        _grant(district_reviewer, "district_reviewer")
        for action, by in ((Action.DISTRICT_PASS, district_reviewer), (Action.CITY_PASS, staff["city"]),
                           (Action.APPROVE, staff["approver"])):  # fmt: skip
            with transaction.atomic():
                application_transition(Application.objects.select_for_update().get(pk=application.pk), action, by)
        notice = notices.notice_open(applications=[application], title=f"公示·{tag}·{n}", by=staff["approver"])
        PublicNotice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
        result.append(notice)
    return result


def _grant(user, role_value: str) -> None:
    from django.contrib.auth.models import Group

    user.groups.set([Group.objects.get(name=role_value)])


def document_latency(base: str, notices: list, closer_session: str) -> dict:
    from subsidies.documents.models import Document

    browser = Browser(base, closer_session)
    latencies, letters = [], []
    for notice in notices:
        token = browser.csrf(f"/review/notices/{notice.pk}/")
        started = time.monotonic()
        status, _ = browser.request(f"/review/notices/{notice.pk}/close/", {"csrfmiddlewaretoken": token})
        assert status == 302, status
        documents = Document.objects.filter(award__application__notices=notice)
        deadline = time.monotonic() + 120
        while True:
            states = list(documents.values_list("state", flat=True))
            if len(states) == 2 and all(s == Document.State.READY for s in states):
                break
            assert time.monotonic() < deadline and Document.State.FAILED not in states, states
            time.sleep(0.01)
        latencies.append((time.monotonic() - started) * 1000)
        letters.append(documents.get(kind=Document.Kind.LETTER))
    return {"latencies_ms": latencies, "letters": letters}


def bare_render_ms(documents: list) -> list[float]:
    """A bare WeasyPrint render (its defaults) of each letter's HTML, in this process."""
    import weasyprint

    from subsidies.documents.render import document_html

    timings = []
    for document in documents:
        html = document_html(document)
        started = time.monotonic()
        weasyprint.HTML(string=html, base_url=str(ROOT / "static")).write_pdf()
        timings.append((time.monotonic() - started) * 1000)
    return timings


# --- The report -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rush-users", type=int, default=1000)
    parser.add_argument("--rush-rounds", type=int, default=3, help="bare baseline and portal rushes, taking turns")
    parser.add_argument("--skip-throughput", action="store_true", help="only the rush and the documents")
    parser.add_argument("--notices", type=int, default=10)
    parser.add_argument("--output", type=Path, default=ROOT / "docs/performance/portal-load.md")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed-only", action="store_true", help="create the data set and stop")
    args = parser.parse_args()

    database_create(BENCH_DB)
    logs = Path(tempfile.mkdtemp(prefix="portal-load-"))
    media = logs / "media"
    django_setup(media)
    seed_volume(args.applications)
    if args.seed_only:
        return

    from applications.models import Application
    from huzhou_craftsman.accounts.models import District, User
    from huzhou_craftsman.accounts.roles import Role
    from subsidies.models import Award, Instalment

    tag = datetime.now().strftime("%Y%m%d%H%M%S")
    staff = {
        "district": staff_user("bench-district", Role.DISTRICT_REVIEWER, district=District.objects.get(code="wuxing")),
        "city": staff_user("bench-city", Role.CITY_REVIEWER),
        "approver": staff_user("bench-approver", Role.CITY_APPROVER),
        "closer": staff_user("bench-closer", Role.CITY_APPROVER),
        "admin": staff_user("bench-admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True),
    }
    enterprise = User.objects.get(username="bench-ent-0000")
    sessions = {k: session_cookie(u) for k, u in staff.items()} | {"enterprise": session_cookie(enterprise)}
    counts = (f"{Application.objects.count():,} applications, {Award.objects.count():,} awards, "
              f"{Instalment.objects.count():,} instalments; the enterprise home's organisation has "
              f"{Application.objects.filter(organisation=enterprise.organisation).count()} applications, "
              f"the district reviewer's default queue (吴兴区, 待区县初审) "
              f"{Application.objects.filter(district__code='wuxing', state='submitted').count():,}")  # fmt: skip

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    processes = start_processes(port, media, logs)
    try:
        pages = {
            "bare list view": ("/bench/bare/", sessions["district"], "申报编号"),
            "bare list view in the layout": ("/bench/bare-in-layout/", sessions["district"], "申报编号"),
            "admin changelist": ("/admin/applications/application/", sessions["admin"], "申报"),
            "reviewer queue (district)": ("/review/queue/", sessions["district"], "待审申报"),
            "reviewer queue (city)": ("/review/queue/", sessions["city"], "待审申报"),
            "enterprise home": ("/enterprise/", sessions["enterprise"], "湖州基准测试企业0000有限公司"),
        }
        users = {
            "bare list view": "district reviewer",
            "bare list view in the layout": "district reviewer",
            "admin changelist": "superuser",
            "reviewer queue (district)": "district reviewer (吴兴区)",
            "reviewer queue (city)": "city reviewer",
            "enterprise home": "enterprise (50 applications)",
        }
        runs = (
            {}
            if args.skip_throughput
            else throughput(base, pages, duration=args.duration, rounds=args.rounds, connections=args.connections)
        )
        # The bare baseline and the portal's submit take turns, so that drift on the shared machine hits both.
        rushes = {"bare": [], "portal": []}
        for n in range(1, args.rush_rounds + 1):
            rushes["bare"].append(bare_rush(base, args.rush_users, logs, tag, n))
            log(f"bare rush {n}: {rushes['bare'][-1]}")
            rushes["portal"].append(rush(base, args.rush_users, logs, tag, n))
            log(f"portal rush {n}: {rushes['portal'][-1]}")
        notices = notices_prepare(args.notices + 1, tag, staff)
        documents = document_latency(base, notices, sessions["closer"])
        # The first close warms the worker's template and fonts: it is left out.
        documents["latencies_ms"] = documents["latencies_ms"][1:]
        bare = bare_render_ms(documents["letters"][1:])
        log(f"documents: {documents['latencies_ms']} bare {bare}")
    finally:
        stop_processes(processes)
    data = {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "versions": versions(),
        "load_before": load_before,
        "load_after": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        "command": "make bench  (this part: .venv/bin/python bench/portal_load.py " + " ".join(sys.argv[1:]) + ")",
        "counts": counts,
        "duration": args.duration,
        "rounds": args.rounds,
        "connections": args.connections,
        "users": users,
        "throughput": runs,
        "rush": rushes,
        "documents": {"latencies_ms": documents["latencies_ms"], "bare_ms": bare},
    }
    report(data, args.output)
    if args.json:
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    log(f"written {args.output}")


if __name__ == "__main__":
    main()
