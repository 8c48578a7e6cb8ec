"""Who may open what, for every URL of the project.

The URL patterns are walked from the root resolver, so a page added tomorrow is checked tomorrow without editing
this file: every route is requested by anonymous visitors and by one user of each role (second factor done), with
its ``<int:...>`` parts filled with real objects and with ids that do not exist. The main pages also have a table
of the status each role must get: pages that serve one role group read it from the table of actions
(``accounts.access.ACTIONS``, through ``by_action``); the critical cells are written out by hand so that the test is
not the table checking itself. Every view guarded by ``allowed(action)`` is checked against its action too: roles
outside it are refused (GET and POST), roles inside are let through. The rest must at least stay within
200/302/403/404/405 and never fail. Unsafe requests are checked too: the read-only auditor and enterprise users are
refused, and nothing is accepted without a CSRF token.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from applications.models import Application, Attachment, PublicNotice
from applications.official_list_services import official_list_import
from huzhou_craftsman.accounts.access import ACTIONS
from huzhou_craftsman.accounts.bank_services import bank_account_propose
from huzhou_craftsman.accounts.models import AuditEvent, BankAccount, Organisation
from huzhou_craftsman.accounts.roles import ROLE_HOME, Role
from subsidies import payments
from subsidies.documents import services as document_services
from subsidies.documents.models import Document, RegenerationJob
from subsidies.models import PaymentBatch, Studio
from tests.applications.conftest import craftsman_post, save_draft
from tests.applications.test_notices import submitted
from tests.applications.test_official_lists import TITLE_HEADER, title_row, xlsx
from tests.conftest import login
from tests.factories import (
    PDF_BYTES,
    OrganisationFactory,
    RoundFactory,
    district,
    make_award,
    make_resident_id,
    make_uscc,
    make_user,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
MISSING_PK = 987654321

# Route prefixes left out: Django's admin has its own permission system, the language switch is Django's.
SKIPPED_PREFIXES = tuple(
    prefix for prefix in ("admin/", "i18n/", settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL.lstrip("/")) if prefix
)

# Pages anyone may open without logging in (the two-factor middleware lets them through too).
PUBLIC = {
    "accounts:login",
    "register",
    "notice-public",
    "notice-public-detail",
    "notice-archive",
    "document-verify",
    "policy-calculator",
}
# Unsafe requests a read-only auditor may still send (the middleware's list): to leave, to secure their account,
# and to check an uploaded copy of a document against its hash, which changes nothing.
AUDITOR_MAY_POST = {"accounts:logout", "accounts:login", "accounts:password-change", "accounts:2fa-setup",
                    "accounts:2fa-verify", "document-verify"}  # fmt: skip

# Which object an ``<int:pk>`` stands for, by the longest matching route prefix; anything else gets MISSING_PK.
PK_SOURCES = {
    "organisations/": "organisation",
    "applications/": "draft",
    "review/applications/": "submitted",
    "attachments/": "attachment",
    "review/notices/": "notice",
    "notices/": "notice",
    "finance/batches/": "batch",
    "finance/lines/": "line",
    "finance/payees/": "award",
    "documents/": "document",
    "manage/documents/regenerate/": "job",
    "studios/": "studio",
    "bank-accounts/": "bank_account",
    "official-lists/": "official_list",
    "offers/": "offer",
}
# Other parameters, by name: the object (or literal) they take.
PARAM_SOURCES = {"round_pk": "round", "requirement_pk": "requirement", "token": "token", "file_format": "csv",
                 "year": "notice_year", "kind": "provincial_titles", "uscc": "unmatched_uscc"}  # fmt: skip
LITERALS = {"csv", "provincial_titles"}

# Where staff work: enterprise users must be refused (403) or shown nothing (404) there.
STAFF_PREFIXES = ("review/", "finance/", "audit/", "manage/", "dashboard", "studios/")
STAFF_NAMES = {"organisation-list", "organisation-verify", "bank-account-queue", "bank-account-decide"}

GENERIC_OK = {200, 302, 403, 404, 405}

E, D, CR, CA = Role.ENTERPRISE, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.CITY_APPROVER
FM, FC, AU, AD = Role.FINANCE_MAKER, Role.FINANCE_CHECKER, Role.AUDITOR, Role.ADMINISTRATOR
ALL_ROLES = tuple(Role)


def only(*roles, ok=200, others=403) -> dict:
    return {role: ok if role in roles else others for role in ALL_ROLES}


def by_action(action: str, **kwargs) -> dict:
    """The expectation of a page that serves exactly the roles of one action of the table."""
    return only(*ACTIONS[action].roles, **kwargs)


# GET with the fixture's objects: url name -> {role: status}. The enterprise user owns the application, the
# organisation (吴兴区, the district reviewer's district), the award and its document.
EXPECTED = {
    "home": only(*ALL_ROLES, ok=302),
    "accounts:login": only(*ALL_ROLES, ok=302),  # already logged in: sent on
    "register": only(*ALL_ROLES, ok=302),
    "accounts:password-change": only(*ALL_ROLES),
    "notice-public": only(*ALL_ROLES),
    "notice-public-detail": only(*ALL_ROLES),
    "notice-archive": only(*ALL_ROLES),
    "document-verify": only(*ALL_ROLES),
    "policy-calculator": only(*ALL_ROLES),
    "official-list-index": only(CR, CA, AU, AD),
    "official-list-detail": only(CR, CA, AU, AD),
    "official-list-unmatched": only(CR, CA, AU, AD),
    "official-list-letter": only(CR, CA, AU, AD),
    "offer-detail": only(E),
    # Read from the table of actions.
    "enterprise-home": by_action("application.apply"),
    "people-claims": by_action("application.apply"),
    "round-list": by_action("application.apply"),
    "application-create": by_action("application.apply"),
    "roster-template": by_action("application.apply"),
    "application-edit": by_action("application.apply"),
    "review-queue": by_action("review.view"),
    "review-detail": by_action("review.view"),
    "organisation-list": by_action("organisation.list"),
    "organisation-bank": by_action("bank_account.propose"),
    "audit-events-export": by_action("audit.view"),
    "notice-list": by_action("notice.view"),
    "notice-detail": by_action("notice.view"),
    "award-list": by_action("award.view"),
    "finance-due": by_action("finance.view"),
    "finance-batches": by_action("finance.view"),
    "finance-batch": by_action("finance.view"),
    "finance-reconciliation": by_action("finance.view"),
    "finance-budget": by_action("budget.view"),
    "finance-withholding": by_action("finance.view"),
    "finance-result-template": by_action("finance.results.template"),
    "documents-regenerate": by_action("document.regenerate"),
    "documents-regenerate-job": by_action("document.regenerate"),
    "dashboard": by_action("dashboard.view"),
    "studio-list": by_action("studio.view"),
    "studio-detail": by_action("studio.view"),
    # Written out by hand: the cells that matter most, whatever the table says.
    "application-detail": only(E, others=404),  # a draft: only its organisation sees it
    "attachment-download": only(*ALL_ROLES),  # a submitted application's file: its organisation and the bureau
    "organisation-detail": only(*ALL_ROLES),
    "audit-events": only(AU, AD),
    "admin-home": only(AD),
    "document-list": only(*ALL_ROLES),
    "document-download": only(*ALL_ROLES),
    # A pending change of the enterprise's own account: the organisation, its district's reviewer (who verifies
    # it) and the read-only city roles see it; finance checkers verify persons' accounts only.
    "bank-account-queue": only(D, FC, AU, AD),
    "bank-account-detail": only(E, D, AU, AD, others=404),
    "bank-account-proof": only(E, D, AU, AD, others=404),
}


# --- Walking the URL patterns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "applications/<int:pk>/edit/"
    name: str  # "namespace:name", or the route when unnamed
    converters: dict
    action: str | None = None  # the action of the table that guards the view (``allowed(action)``), if any

    @property
    def is_public(self) -> bool:
        return self.name in PUBLIC

    @property
    def is_staff_area(self) -> bool:
        return self.route.startswith(STAFF_PREFIXES) or self.name in STAFF_NAMES


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if (prefix + route).startswith(SKIPPED_PREFIXES):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern):
            full = prefix + route
            if full.startswith(SKIPPED_PREFIXES) or route.startswith("^"):
                continue  # regex patterns here are Django's static/media helpers
            name = f"{namespace}{entry.name}" if entry.name else full
            action = getattr(entry.callback, "access_action", None)
            yield Endpoint(full, name, dict(getattr(entry.pattern, "converters", {})), action)


def endpoints() -> list[Endpoint]:
    return list(_walk(get_resolver().url_patterns))


_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _pk_source(route: str) -> str | None:
    matches = [prefix for prefix in PK_SOURCES if route.startswith(prefix)]
    return PK_SOURCES[max(matches, key=len)] if matches else None


def build_url(endpoint: Endpoint, world: dict, *, missing: bool = False) -> str:
    """Fill the route's parameters with the fixture's objects and values.

    With missing=True every object is replaced by one that does not exist, and every literal (a file format) by
    one the view does not know.
    """

    def value(match):
        name = match["name"]
        converter = endpoint.converters.get(name)
        source = _pk_source(endpoint.route) if name == "pk" else PARAM_SOURCES.get(name)
        if missing or source is None or (source not in LITERALS and world.get(source) is None):
            raw = MISSING_PK if isinstance(converter, IntConverter) else "no-such-thing"
        else:
            raw = source if source in LITERALS else world[source]
        return converter.to_url(raw) if converter else str(raw)

    return "/" + _PARAM.sub(value, endpoint.route)


def has_params(endpoint: Endpoint) -> bool:
    return bool(_PARAM.search(endpoint.route))


def names_an_object(endpoint: Endpoint) -> bool:
    """Whether the route points at a stored object (then an unknown one must be refused, not just answered)."""
    return any(PARAM_SOURCES.get(m["name"], "object") not in LITERALS for m in _PARAM.finditer(endpoint.route))


# --- The world every request runs against -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Nine users per test: the real PBKDF2 cost (a quarter of a second each) would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """One user per role and one real object behind every kind of ``<int:pk>`` the URLs take."""
    users = {role: make_user(role) for role in ALL_ROLES}
    enterprise = users[E]
    organisation = enterprise.organisation
    round = RoundFactory(scheme="craftsman_title")
    draft = save_draft(enterprise, round, craftsman_post())
    submitted_application = submitted(
        enterprise, round, craftsman_post(person_resident_id=make_resident_id(77, birth="19760203"), level="rural")
    )
    attachment = Attachment.objects.filter(application=submitted_application).first()
    notice = PublicNotice.objects.create(
        title="测试公示", starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=7),
        opened_by=users[CA],
    )  # fmt: skip
    notice.applications.add(submitted_application)
    award = make_award(organisation=organisation)
    batch = payments.batch_create(instalment_ids=list(award.instalments.values_list("pk", flat=True)), by=users[FM])
    with transaction.atomic():
        document = document_services.document_request(award=award, enqueue=False)
    document.file.save(f"{document.number}.pdf", ContentFile(PDF_BYTES), save=False)
    document.state, document.sha256, document.size = Document.State.READY, hashlib.sha256(PDF_BYTES).hexdigest(), 64
    document.save()
    job = RegenerationJob.objects.create(year=document.year, reason="测试", created_by=users[AD], state="done")
    studio = Studio.objects.create(organisation=organisation, name="测试技能大师工作室", level="municipal")
    bank_account = bank_account_propose(
        organisation=organisation, by=enterprise, reason="更换基本户", proof=pdf_upload(),
        details={"account_type": "corporate", "account_name": organisation.name, "account_number": "6222021202041701419",
                 "bank_name": "工商银行湖州分行", "cnaps_code": "102336000015"},
    )  # fmt: skip
    unmatched_uscc = make_uscc(9100)
    official_list = official_list_import(
        kind="provincial_titles", round=RoundFactory(scheme="craftsman_title"), document_number="浙人社发〔2026〕99号",
        document_date=timezone.localdate(), by=users[CR],
        upload=xlsx(TITLE_HEADER, [title_row(501, organisation), title_row(502, unmatched_uscc)]),
    ).official_list  # fmt: skip
    return {
        "users": users,
        "official_list": official_list.pk,
        "offer": official_list.rows.get(offer__isnull=False).offer_id,
        "unmatched_uscc": unmatched_uscc,
        "organisation": organisation.pk,
        "round": round.pk,
        "requirement": round.materials.get().pk,
        "draft": draft.pk,
        "submitted": submitted_application.pk,
        "attachment": attachment.pk,
        "notice": notice.pk,
        "notice_year": notice.starts_on.year,
        "batch": batch.pk,
        "line": batch.lines.get().pk,
        "award": award.pk,
        "document": document.pk,
        "token": document.token,
        "job": job.pk,
        "studio": studio.pk,
        "bank_account": bank_account.pk,
    }


def client_as(who, world) -> Client:
    client = Client()
    if who != ANONYMOUS:
        login(client, world["users"][who])
    return client


def fetch(client: Client, method: str, url: str):
    """Request a URL; return (status, response) or (exception, None) when the view blew up."""
    try:
        response = getattr(client, method)(url)
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:200]}", None
    if getattr(response, "streaming", False):
        try:
            # An export that fails half-way fails here. Reading to the end also closes the response the way the
            # test client expects (closing it again would fire request_finished and close the test's connection).
            b"".join(response.streaming_content)
        except Exception as error:
            return f"{type(error).__name__} while streaming: {str(error)[:200]}", None
    return response.status_code, response


def is_login_redirect(response) -> bool:
    return response is not None and response.status_code == 302 and response.url.startswith(reverse(settings.LOGIN_URL))


def report(problems: list[str]) -> str:
    return "\n" + "\n".join(sorted(problems))


def _state() -> dict:
    """What an unsafe request could have changed (row counts and states of the main tables)."""
    return {
        "applications": sorted(Application.objects.values_list("pk", "state")),
        "organisations": sorted(Organisation.objects.values_list("pk", "is_verified", "bank_account_number")),
        "bank_accounts": sorted(BankAccount.objects.values_list("pk", "state")),
        "batches": sorted(PaymentBatch.objects.values_list("pk", "state")),
        "documents": sorted(Document.objects.values_list("pk", "state")),
        "notices": sorted(PublicNotice.objects.values_list("pk", "closed_at")),
        "jobs": RegenerationJob.objects.count(),
        "events": AuditEvent.objects.exclude(action__startswith="login").count(),
    }


# --- Tests -----------------------------------------------------------------------------------------------------


def test_the_walk_finds_the_pages_and_the_table_names_real_urls():
    found = {endpoint.name for endpoint in endpoints()}
    assert len(found) > 40
    assert not any(name.startswith("admin:") for name in found)
    missing = set(EXPECTED) - found
    assert not missing, f"the expectations table names URLs that no longer exist: {sorted(missing)}"
    assert all(EXPECTED[ROLE_HOME[role]][role] == 200 for role in ALL_ROLES)  # every role's own landing page
    unknown = [
        endpoint.route
        for endpoint in endpoints()
        for match in _PARAM.finditer(endpoint.route)
        if (_pk_source(endpoint.route) if match["name"] == "pk" else PARAM_SOURCES.get(match["name"])) is None
    ]
    assert not unknown, f"add to PK_SOURCES / PARAM_SOURCES so that these are tried with a real object: {unknown}"


def test_anonymous_visitors_are_sent_to_login_except_on_public_pages(world):
    client = client_as(ANONYMOUS, world)
    problems = []
    for endpoint in endpoints():
        urls = [build_url(endpoint, world)]
        if has_params(endpoint):
            urls.append(build_url(endpoint, world, missing=True))
        for url in urls:
            status, response = fetch(client, "get", url)
            if endpoint.is_public:
                ok = status in (200, 404)
            elif status == 405:
                # The view refuses GET before it looks at the user (require_POST): a POST must still ask for a login.
                status, response = fetch(client, "post", url)
                ok = is_login_redirect(response) or endpoint.name == "accounts:logout"
            else:
                ok = is_login_redirect(response)
            if not ok:
                where = response.get("Location", "") if response is not None else ""
                problems.append(f"{endpoint.name} {url}: {status} {where}")
    assert not problems, report(problems)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_url_answers_each_role_as_expected_and_never_fails(world, role):
    client = client_as(role, world)
    problems = []
    for endpoint in endpoints():
        status, response = fetch(client, "get", build_url(endpoint, world))
        expected = EXPECTED.get(endpoint.name, {}).get(role)
        if expected is not None:
            ok = status == expected
        elif role == E and endpoint.is_staff_area:
            ok = status in (403, 404, 405)
        else:
            ok = status in GENERIC_OK
        if not ok:
            problems.append(f"{endpoint.name} {build_url(endpoint, world)}: got {status}, expected {expected or 'ok'}")
        if has_params(endpoint):
            url = build_url(endpoint, world, missing=True)
            status, _response = fetch(client, "get", url)
            if endpoint.is_public:
                allowed = {404}
            elif names_an_object(endpoint):
                allowed = {302, 403, 404, 405}  # never the page of something that is not there, never a crash
            else:
                allowed = GENERIC_OK  # an unknown file format: refused or answered with a default, never a crash
            if status not in allowed:
                problems.append(f"{endpoint.name} {url} (no such object or value): got {status}")
    assert not problems, report(problems)


def test_enterprise_users_cannot_post_to_staff_endpoints(world):
    client = client_as(E, world)
    before = _state()
    problems = []
    for endpoint in endpoints():
        if endpoint.is_staff_area:
            status, _response = fetch(client, "post", build_url(endpoint, world))
            if status not in (403, 404):
                problems.append(f"{endpoint.name}: {status}")
    assert not problems, report(problems)
    assert _state() == before


def test_the_auditor_is_refused_every_unsafe_request(world):
    client = client_as(AU, world)
    before = _state()
    problems = []
    for endpoint in endpoints():
        if endpoint.name in AUDITOR_MAY_POST:
            continue
        url = build_url(endpoint, world)
        for method in ("post", "put", "patch", "delete"):
            status, _response = fetch(client, method, url)
            if status != 403:
                problems.append(f"{method.upper()} {endpoint.name} {url}: {status}")
    assert not problems, report(problems)
    assert _state() == before


@pytest.mark.parametrize("who", [ANONYMOUS, AD, E])
def test_no_post_is_accepted_without_a_csrf_token(world, who):
    client = Client(enforce_csrf_checks=True)
    if who != ANONYMOUS:
        login(client, world["users"][who])
    before = _state()
    problems = []
    for endpoint in endpoints():
        url = build_url(endpoint, world)
        status, response = fetch(client, "post", url)
        if status != 403 or b"CSRF" not in response.content:
            problems.append(f"{endpoint.name} {url}: {status}")
    assert not problems, report(problems)
    assert _state() == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_guarded_view_answers_its_action_of_the_table(world, role):
    """A view guarded by ``allowed(action)`` refuses every role outside the action (403, GET and POST, nothing
    changed) and never refuses a role inside it with 403 on GET."""
    client = client_as(role, world)
    guarded = [endpoint for endpoint in endpoints() if endpoint.action]
    assert len(guarded) > 30
    problems = []
    for endpoint in guarded:
        permitted = role in ACTIONS[endpoint.action].roles
        status, _response = fetch(client, "get", build_url(endpoint, world))
        if not permitted and status not in (403, 405):
            problems.append(f"GET {endpoint.name} ({endpoint.action}): {status}, expected 403")
        if permitted and status == 403:
            problems.append(f"GET {endpoint.name} ({endpoint.action}): 403 for a role the table allows")
    before = _state()  # (downloads above are audited: count the events from here)
    for endpoint in guarded:
        if role not in ACTIONS[endpoint.action].roles:
            status, _response = fetch(client, "post", build_url(endpoint, world))
            if status != 403:
                problems.append(f"POST {endpoint.name} ({endpoint.action}): {status}, expected 403")
    assert not problems, report(problems)
    assert _state() == before


def test_one_enterprise_never_reaches_another_enterprises_objects(world):
    """Written out, not derived: another organisation's user (same district) gets 404 on the first one's
    application, attachment, document, organisation and bank account, and sees none of its awards."""
    stranger = make_user(
        E, organisation=OrganisationFactory(district=Organisation.objects.get(pk=world["organisation"]).district)
    )
    client = Client()
    login(client, stranger)
    for name, key in (("application-detail", "draft"), ("application-detail", "submitted"),
                      ("attachment-download", "attachment"), ("document-download", "document"),
                      ("organisation-detail", "organisation"), ("bank-account-detail", "bank_account"),
                      ("application-edit", "draft")):  # fmt: skip
        status, _response = fetch(client, "get", reverse(name, args=[world[key]]))
        assert status == 404, f"{name}: {status}"
    awards = client.get(reverse("award-list"))
    assert awards.status_code == 200 and not awards.context["awards"]


def test_a_district_reviewer_never_reaches_another_districts_applications(world):
    other_district = make_user(D, district=district("anji"))
    client = Client()
    login(client, other_district)
    assert fetch(client, "get", reverse("review-detail", args=[world["submitted"]]))[0] == 404
    assert fetch(client, "get", reverse("attachment-download", args=[world["attachment"]]))[0] == 404
    assert fetch(client, "post", reverse("review-decide", args=[world["submitted"]]))[0] == 404
