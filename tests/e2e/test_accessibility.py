"""Accessibility: axe-core (from the npm registry, served from node_modules, never a CDN) on the main page of every
desk. Violations axe rates "serious" or "critical" fail the test; each desk's pages are all checked before it fails,
so one run lists everything to fix.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from applications.models import PublicNotice
from huzhou_craftsman.accounts.roles import Role
from subsidies import payments
from tests.applications.conftest import craftsman_post, save_draft
from tests.applications.test_notices import awaiting_notice, submitted
from tests.conftest import login
from tests.factories import OrganisationFactory, RoundFactory, make_award, make_resident_id, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["zh-hans", "en"])
def language(request):
    """Every page type is checked in both languages (the language cookie the header's switch sets)."""
    return request.param


@pytest.fixture
def desk(new_page, live_server, language):
    """Open a browser page already logged in as ``user`` (second factor done), or anonymous with None."""

    def open_as(user=None):
        # axe-core is injected as an inline <script>, which the portal's Content-Security-Policy rightly blocks;
        # the other browser tests run with the policy enforced.
        page = new_page(bypass_csp=True)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        if user is not None:
            client = login(Client(), user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return page

    return open_as


def audit(page, urls) -> list[str]:
    """Open each page, run axe-core on it and return its serious and critical violations, described."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    found = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in BLOCKING:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                found.append(f"{url}: [{violation['impact']}] {violation['id']} — {violation['help']} — {targets}")
    return found


def report(found: list[str]) -> str:
    return "\n" + "\n".join(found)


def test_public_pages(desk):
    approver = make_user(Role.CITY_APPROVER)
    application = awaiting_notice(
        submitted(make_user(Role.ENTERPRISE), RoundFactory(), craftsman_post()), approver=approver
    )
    notice = PublicNotice.objects.create(
        title="2026年度湖州工匠拟资助对象公示", starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=7), opened_by=approver,
    )  # fmt: skip
    notice.applications.add(application)
    found = audit(desk(), ["/accounts/login/", "/register/", "/notices/"])
    assert not found, report(found)


def test_enterprise_pages(desk):
    enterprise = make_user(Role.ENTERPRISE)
    round = RoundFactory(materials=[("推荐表", True), ("业绩证明", False)])
    draft = save_draft(enterprise, round, craftsman_post())
    found = audit(
        desk(enterprise),
        ["/enterprise/", f"/apply/{round.pk}/new/", f"/applications/{draft.pk}/", f"/applications/{draft.pk}/edit/"],
    )
    assert not found, report(found)


def test_review_pages(desk):
    application = submitted(make_user(Role.ENTERPRISE), RoundFactory(), craftsman_post())
    OrganisationFactory(is_verified=False, district=application.district)  # the queue then links to it
    reviewer = make_user(Role.DISTRICT_REVIEWER, district=application.district)
    found = audit(desk(reviewer), ["/review/queue/", f"/review/applications/{application.pk}/"])
    assert not found, report(found)


def test_notice_pages_of_the_approver(desk):
    approver = make_user(Role.CITY_APPROVER)
    enterprise = make_user(Role.ENTERPRISE)
    awaiting_notice(submitted(enterprise, RoundFactory(), craftsman_post()), approver=approver)
    noticed = awaiting_notice(
        submitted(enterprise, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(61))),
        approver=approver,
    )
    notice = PublicNotice.objects.create(
        title="公示", starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=7),
        opened_by=approver,
    )  # fmt: skip
    notice.applications.add(noticed)
    found = audit(desk(approver), ["/review/notices/", f"/review/notices/{notice.pk}/"])
    assert not found, report(found)


def test_finance_pages(desk):
    maker = make_user(Role.FINANCE_MAKER)
    make_award(total="10000.00")
    award = make_award(total="200000.00", instalments=("100000.00", "100000.00"))
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=maker)
    found = audit(desk(maker), ["/finance/", f"/finance/batches/{batch.pk}/", "/finance/batches/", "/finance/budget/"])
    assert not found, report(found)


def test_dashboard_audit_log_and_administration(desk):
    make_award(total="10000.00")
    found = audit(desk(make_user(Role.AUDITOR)), ["/audit/events/", "/dashboard/", "/dashboard/?window=since"])
    found += audit(desk(make_user(Role.ADMINISTRATOR)), ["/manage/"])
    assert not found, report(found)
