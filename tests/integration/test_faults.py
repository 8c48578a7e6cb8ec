"""Faults: Redis stopped during approvals, PostgreSQL stopped during a submission (issue 9, "Proof", item 3).

Each stops a throwaway server of its own, never the machine's shared PostgreSQL or Redis. The portal answers a
normal page (or a clear 503 page, never a stack trace), loses nothing, and recovers by itself once the server is back.
(Killing the worker in the middle of a render is in test_documents_worker.py.)
"""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import transaction
from django.urls import reverse

from applications import tasks as application_tasks
from applications.models import Application, Notification, ReviewDecision
from applications.transitions import application_transition
from applications.workflow import Action, State
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.background import BROKER_ERRORS
from huzhou_craftsman.celery import app as celery_app
from huzhou_craftsman.errors import RETRY_AFTER_SECONDS
from subsidies.documents import tasks as document_tasks
from subsidies.documents.models import Document
from subsidies.models import Award
from tests.applications.conftest import craftsman_post
from tests.applications.test_notices import submitted
from tests.conftest import PASSWORD, login
from tests.factories import RoundFactory, district, make_resident_id, make_user
from tests.integration.conftest import ROOT, broker_at, celery_worker
from tests.integration.servers import ThrowawayPostgres, ThrowawayRedis, free_port, stop_process
from tests.integration.test_documents_worker import assert_one_ready_document_each, wait_for
from tests.subsidies.test_awards import expire

pytestmark = pytest.mark.integration

# What a page must never show a user, whatever went wrong.
INTERNALS = ("Traceback", "OperationalError", "InterfaceError", "psycopg", "django.db", 'File "')


# --- Redis stopped during approvals ----------------------------------------------------------------------------------


@pytest.fixture
def throwaway_redis(tmp_path):
    server = ThrowawayRedis(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def at_city_approval(enterprise, *, seq: int) -> Application:
    """A craftsman application submitted and passed by the district and the city reviewer."""
    data = craftsman_post(person_resident_id=make_resident_id(seq, birth="19950101"), person_name=f"测试工匠{seq}")
    application = submitted(enterprise, RoundFactory(), data)
    for action, by in (
        (Action.DISTRICT_PASS, make_user(Role.DISTRICT_REVIEWER, district=district("wuxing"))),
        (Action.CITY_PASS, make_user(Role.CITY_REVIEWER)),
    ):
        with transaction.atomic():
            application_transition(Application.objects.select_for_update().get(pk=application.pk), action, by)
    return application


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def approve_publish_and_close(client, applications, *, title: str) -> list[float]:
    """The city approver's desk: approve each application, publish them in a notice, close it when it has run out.

    Every answer must be the page the desk normally shows; return how long each request took.
    """
    durations = []
    for application in applications:
        response, took = timed(
            lambda a=application: client.post(reverse("review-decide", args=[a.pk]), {"action": "approve"})
        )
        assert (response.status_code, response.url) == (302, reverse("review-queue")), response.content[:2000]
        durations.append(took)
    response, took = timed(
        lambda: client.post(reverse("notice-list"), {"title": title, "applications": [a.pk for a in applications]})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    durations.append(took)
    notice = expire(Application.objects.get(pk=applications[0].pk).notices.get())  # the period has run out
    response, took = timed(lambda: client.post(reverse("notice-close", args=[notice.pk]), follow=True))
    assert response.status_code == 200 and response.redirect_chain == [
        (reverse("notice-detail", args=[notice.pk]), 302)
    ]
    assert f"公示已结束：{len(applications)} 份申报获批准" in response.content.decode()
    durations.append(took)
    return durations


def worker_answers() -> bool:
    try:
        return bool(celery_app.control.ping(timeout=0.5))
    except BROKER_ERRORS:  # while Redis restarts, the ping itself may fail to connect
        return False


def test_stopping_redis_during_approvals_loses_nothing_and_the_sweeps_catch_up(
    reference_data, client, throwaway_redis, tmp_path
):
    log = tmp_path / "worker.log"
    with broker_at(throwaway_redis.url), celery_worker(log, throwaway_redis.url) as worker:
        # given: four applications at the city approver's desk, and the approver signed in
        enterprise = make_user(Role.ENTERPRISE, email="hr@example.cn")
        applications = [at_city_approval(enterprise, seq=seq) for seq in range(81, 85)]
        before, during = applications[:2], applications[2:]
        login(client, make_user(Role.CITY_APPROVER))
        approve_publish_and_close(client, before, title="2026年度第一批（Redis 正常）")

        # when: Redis stops (and, having no persistence, loses whatever was still queued), the desk carries on
        throwaway_redis.stop()
        assert not throwaway_redis.answers()
        durations = approve_publish_and_close(client, during, title="2026年度第二批（Redis 停止）")

        # then: every answer came quickly (no request waited on the broker) ...
        assert max(durations) < 10, durations
        # ... and every decision, award, document and notification is in the database
        for application in applications:
            application.refresh_from_db()
            assert application.state == State.APPROVED
            approval = ReviewDecision.objects.get(application=application, stage="city_approval")
            assert approval.action == Action.APPROVE
        awards = list(Award.objects.filter(application__in=applications))
        assert len(awards) == len(applications)
        documents = Document.objects.filter(award__in=awards)
        assert sorted(documents.values_list("kind", flat=True)) == [Document.Kind.LETTER] * len(awards)
        outage = Document.objects.filter(award__application__in=during)
        assert {d.state for d in outage} == {Document.State.PENDING}
        notifications = Notification.objects.filter(application__in=applications)
        # submit, district pass, city pass, approve, notice opened, notice closed
        assert notifications.count() == 6 * len(applications)
        unsent_in_outage = notifications.filter(application__in=during, message__contains="公示")
        assert unsent_in_outage.count() == 3 * len(during)  # approved (将进行公示), notice opened, notice closed
        assert not unsent_in_outage.filter(emailed_at__isnull=False).exists()

        # when: Redis starts again, empty, on the same port
        throwaway_redis.start()
        # then: the worker reconnects by itself ...
        wait_for(worker_answers, what="the worker to reconnect", worker=worker, log=log, timeout=90)
        # ... and the periodic sweeps, sent through the broker as beat sends them, finish everything
        document_tasks.documents_sweep.delay(older_than_seconds=0)
        application_tasks.notifications_sweep.delay(older_than_seconds=0)
        wait_for(
            lambda: (
                not documents.exclude(state=Document.State.READY).exists()
                and not notifications.filter(emailed_at__isnull=True).exists()
            ),
            what="every document ready and every notification e-mailed",
            worker=worker,
            log=log,
        )

    assert_one_ready_document_each(awards)  # each letter made once, its file hashing to its row
    worker_log = log.read_text()
    assert "Connection to broker lost" in worker_log or "Cannot connect to redis" in worker_log, worker_log[-3000:]
    # Each notification was e-mailed exactly once (the console e-mail backend writes to the worker's log).
    assert worker_log.count("To: hr@example.cn") == notifications.count(), worker_log[-3000:]


# --- PostgreSQL stopped during a submission ------------------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """Just enough of a browser over plain HTTP: a cookie jar, the CSRF token of the last form, no redirects."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects)
        self.csrf_token = ""

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf_token, **data}).encode()
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 - http://127.0.0.1
        try:
            with self.opener.open(request, timeout=30) as response:
                status, headers, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, headers, content = error.code, dict(error.headers), error.read()
        text = content.decode("utf-8", errors="replace")
        if match := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text):
            self.csrf_token = match.group(1)
        return status, headers, text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None):
        return self.request("POST", path, data or {})


@pytest.fixture
def throwaway_postgres():
    server = ThrowawayPostgres()
    try:
        server.init()
        server.start()
        server.create_database("portal")
        yield server
    finally:
        server.destroy()


def portal_env(database_url: str, tmp_path) -> dict:
    """A server deployment without Redis (tasks run in-process) and with DEBUG off, as an operator would run it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "PORTAL_ENV_FILE", "PORTAL_PRODUCTION", "EMAIL_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="huzhou_craftsman.settings",
    )
    return env


def portal_python(env: dict, code: str) -> dict:
    """Run Django code against the throwaway database (``manage.py shell``); return the JSON it prints last."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(code)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def portal_server(throwaway_postgres, tmp_path):
    """gunicorn serving the portal on the throwaway database (migrated); yield its base URL, env and log."""
    env = portal_env(throwaway_postgres.url("portal"), tmp_path)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "huzhou_craftsman.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited early:\n{log.read_text()}")
            try:
                if Browser(base).get("/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, env, log
    finally:
        stop_process(process)


def assert_database_unavailable_page(status: int, headers: dict, body: str) -> None:
    assert status == 503, body[:2000]
    assert headers.get("Retry-After") == str(RETRY_AFTER_SECONDS)
    assert "数据库暂时不可用" in body
    for internal in INTERNALS:
        assert internal not in body, f"{internal!r} shown to the user"


def test_stopping_postgresql_during_a_submission_answers_503_saves_nothing_and_recovers(
    throwaway_postgres, portal_server
):
    base, env, log = portal_server
    # given: an enterprise user with a complete draft (a round without required materials)
    setup = portal_python(
        env,
        """
        import json
        from huzhou_craftsman.accounts.roles import Role
        from tests.applications.conftest import craftsman_post, save_draft
        from tests.factories import RoundFactory, make_user
        user = make_user(Role.ENTERPRISE, username="faults-enterprise", email="hr@example.cn")
        draft = save_draft(user, RoundFactory(materials=[]), craftsman_post(person_name="沈断电", occupation="数控车工"))
        person = [draft.person.name, draft.person.resident_id]
        print(json.dumps({"username": user.username, "application": draft.pk, "details": draft.details, "person": person}))
        """,
    )
    detail, submit = f"/applications/{setup['application']}/", f"/applications/{setup['application']}/submit/"
    browser = Browser(base)
    browser.get("/accounts/login/")
    status, headers, _ = browser.post("/accounts/login/", {"username": setup["username"], "password": PASSWORD})
    assert status == 302, "the enterprise user could not sign in"
    status, _, page = browser.get(detail)
    assert status == 200 and "沈断电" in page and 'action="' + submit + '"' in page

    # when: PostgreSQL stops, and the user submits (then opens a page)
    throwaway_postgres.stop(mode="fast")
    submission = browser.post(submit)
    page_while_down = browser.get(detail)

    # then: a clear 503 page, which says the submission was not saved, and no internals
    assert_database_unavailable_page(*submission)
    assert "您刚才的提交没有保存成功" in submission[2] and "已保存的草稿不会丢失" in submission[2]
    assert_database_unavailable_page(*page_while_down)
    assert "OperationalError" in log.read_text()  # the operators' log has the details

    # when: PostgreSQL is back (gunicorn keeps running)
    throwaway_postgres.start()

    # then: the very next request succeeds, and so does the submission sent again
    status, _, page = browser.get(detail)
    assert status == 200 and "沈断电" in page
    status, headers, _ = browser.post(submit)
    assert (status, headers.get("Location")) == (302, detail)
    status, _, page = browser.get(detail)
    assert status == 200 and "申报已提交" in page
    for _attempt in range(4):  # whichever gunicorn worker takes them (each kept a connection from before the stop)
        assert browser.get(detail)[0] == 200

    # and the database holds one submission, with the draft's fields as they were
    saved = portal_python(
        env,
        f"""
        import json
        from applications.models import Application, ApplicationVersion
        from huzhou_craftsman.accounts.models import AuditEvent
        application = Application.objects.get(pk={setup["application"]})
        print(json.dumps({{
            "state": application.state,
            "version": application.version,
            "versions": ApplicationVersion.objects.filter(application=application).count(),
            "submit_events": AuditEvent.objects.filter(
                action="application.submit", target_id=str(application.pk)
            ).count(),
            "details": application.details,
            "person": [application.person.name, application.person.resident_id],
        }}))
        """,
    )
    assert saved["state"] == State.SUBMITTED
    assert (saved["version"], saved["versions"], saved["submit_events"]) == (1, 1, 1)
    assert saved["details"] == setup["details"] and saved["person"] == setup["person"] == ["沈断电", setup["person"][1]]
