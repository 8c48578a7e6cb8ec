"""Who may open what: organisation scoping, district scoping, the read-only auditor, 2FA for staff, and the one
authorization function (accounts.access) on representative cells."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications.models import Application
from huzhou_craftsman.accounts.access import ACTIONS, can, require, visible
from huzhou_craftsman.accounts.models import AuditEvent, Organisation
from huzhou_craftsman.accounts.roles import READ_ONLY_ROLES, ROLE_HOME, Role
from tests.conftest import login
from tests.factories import OrganisationFactory, UserFactory, district, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_page(client_of, role):
    client, _user = client_of(role)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(ROLE_HOME[role])
    assert client.get(response.url).status_code == 200


def test_a_role_cannot_open_another_roles_landing_page(client_of):
    client, _user = client_of(Role.ENTERPRISE)
    assert client.get(reverse("finance-due")).status_code == 403


def test_enterprise_user_sees_own_organisation_and_gets_404_for_another(client_of):
    client, user = client_of(Role.ENTERPRISE)
    other = OrganisationFactory()
    assert client.get(reverse("organisation-detail", args=[user.organisation.pk])).status_code == 200
    assert client.get(reverse("organisation-detail", args=[other.pk])).status_code == 404


def test_enterprise_page_masks_the_bank_account(client_of):
    client, user = client_of(Role.ENTERPRISE)
    page = client.get(reverse("enterprise-home")).content.decode()
    assert user.organisation.bank_account_number not in page
    assert user.organisation.masked_bank_account in page


def test_district_reviewer_is_scoped_to_their_district(client_of):
    client, _reviewer = client_of(Role.DISTRICT_REVIEWER, district=district("wuxing"))
    mine = OrganisationFactory(district=district("wuxing"), name="吴兴某企业")
    theirs = OrganisationFactory(district=district("anji"), name="安吉某企业")
    listing = client.get(reverse("organisation-list")).content.decode()
    assert mine.name in listing and theirs.name not in listing
    assert client.get(reverse("organisation-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("organisation-verify", args=[theirs.pk])).status_code == 404


def test_district_reviewer_verifies_an_organisation_of_their_district_with_an_audit_event(client_of):
    client, reviewer = client_of(Role.DISTRICT_REVIEWER)
    organisation = OrganisationFactory(district=reviewer.district, is_verified=False)
    response = client.post(reverse("organisation-verify", args=[organisation.pk]))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_verified and organisation.verified_by == reviewer
    event = AuditEvent.objects.get(action="organisation.verify")
    assert (event.actor, event.target_id, event.to_state) == (reviewer, str(organisation.pk), "verified")
    assert event.ip_address == "127.0.0.1"


def test_city_reviewer_cannot_verify_organisations(client_of):
    client, _user = client_of(Role.CITY_REVIEWER)
    organisation = OrganisationFactory(is_verified=False)
    assert client.post(reverse("organisation-verify", args=[organisation.pk])).status_code == 403
    organisation.refresh_from_db()
    assert not organisation.is_verified


def test_auditor_reads_everything_but_every_post_is_refused(client_of):
    client, _auditor = client_of(Role.AUDITOR)
    organisation = OrganisationFactory(is_verified=False)
    assert client.get(reverse("organisation-detail", args=[organisation.pk])).status_code == 200
    assert client.get(reverse("audit-events")).status_code == 200
    assert client.post(reverse("organisation-verify", args=[organisation.pk])).status_code == 403
    assert client.post(reverse("organisation-list"), {"x": "1"}).status_code == 403
    organisation.refresh_from_db()
    assert not organisation.is_verified


def test_auditor_may_still_log_out(client_of):
    client, _auditor = client_of(Role.AUDITOR)
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_audit_export_is_itself_audited_and_streams_csv(client_of):
    client, auditor = client_of(Role.AUDITOR)
    response = client.get(reverse("audit-events-export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff时间,")
    assert AuditEvent.objects.filter(action="audit.export", actor=auditor).exists()


@pytest.mark.parametrize("role", sorted(set(Role) - {Role.ENTERPRISE}))
def test_staff_without_a_second_factor_cannot_reach_staff_pages(client, role):
    user = make_user(role)
    login(client, user, verified=False)
    response = client.get(reverse(ROLE_HOME[role]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:2fa-setup"))
    assert client.get(reverse("organisation-list")).status_code == 302


def test_enterprise_user_without_2fa_is_not_asked_for_it(client):
    user = make_user(Role.ENTERPRISE)
    login(client, user, verified=False)
    assert client.get(reverse("enterprise-home")).status_code == 200


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("organisation-list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# --- accounts.access: the one table and the one function ------------------------------------------------------------
# Expectations below are written out by hand (not read back from ACTIONS), so a wrong row in the table fails here.

E, D, CR, CA = Role.ENTERPRISE, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER, Role.CITY_APPROVER
FM, FC, AU, AD = Role.FINANCE_MAKER, Role.FINANCE_CHECKER, Role.AUDITOR, Role.ADMINISTRATOR


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (E, "application.apply", True),
        (D, "application.apply", False),
        (AU, "review.view", True),
        (AU, "review.decide", False),
        (AD, "review.decide", False),
        (D, "review.bulk", True),
        (CR, "review.bulk", False),
        (CA, "review.return", False),
        (CR, "notice.open", False),
        (CA, "notice.close", True),
        (FM, "finance.batch.make", True),
        (FM, "finance.batch.check", False),
        (FC, "finance.batch.check", True),
        (AU, "finance.view", True),
        (AU, "finance.export", False),
        (AD, "finance.view", False),
        (FC, "tax.set", True),
        (FM, "tax.set", False),
        (FM, "budget.set", True),
        (AU, "budget.set", False),
        (D, "dashboard.view", False),
        (AD, "studio.decide", True),
        (FM, "studio.decide", False),
        (AU, "audit.view", True),
        (CR, "audit.view", False),
        (AD, "document.regenerate", True),
        (E, "award.view", True),
        (AD, "award.view", False),
    ],
)
def test_can_answers_the_representative_cells(role, action, expected):
    assert can(make_user(role), action) is expected


def test_no_action_that_writes_is_granted_to_a_read_only_role():
    writers = {name for name, permit in ACTIONS.items() if permit.writes and permit.roles & READ_ONLY_ROLES}
    assert not writers
    assert all(permit.roles <= set(Role) and permit.roles for permit in ACTIONS.values())


def test_an_unknown_action_is_a_programming_error_not_a_refusal():
    with pytest.raises(KeyError):
        can(make_user(AD), "application.delete_everything")


def _application(organisation, state="submitted") -> Application:
    return Application(organisation=organisation, district_id=organisation.district_id, state=state)


def test_an_enterprise_acts_on_its_own_organisations_applications_only():
    mine, theirs = make_user(E), make_user(E)
    assert can(mine, "application.act", _application(mine.organisation))
    assert not can(mine, "application.act", _application(theirs.organisation))
    with pytest.raises(PermissionDenied, match="该申报不属于您的单位"):
        require(mine, "application.act", _application(theirs.organisation))


def test_a_district_reviewer_acts_within_its_district_and_never_on_a_draft():
    reviewer = make_user(D, district=district("wuxing"))
    here = OrganisationFactory(district=district("wuxing"))
    there = OrganisationFactory(district=district("anji"))
    assert can(reviewer, "application.act", _application(here))
    assert not can(reviewer, "application.act", _application(there))
    assert not can(reviewer, "application.view", _application(here, state="draft"))
    with pytest.raises(PermissionDenied, match="该申报不属于您的区县"):
        require(reviewer, "application.act", _application(there))


def test_city_roles_act_on_every_district_and_the_auditor_reads_but_never_acts():
    application = _application(OrganisationFactory(district=district("anji")))
    assert can(make_user(CR), "application.act", application)
    auditor = make_user(AU)
    assert can(auditor, "application.view", application)
    assert not can(auditor, "application.act", application)
    with pytest.raises(PermissionDenied, match="审计监督人员"):
        require(auditor, "review.decide", application)


def test_an_organisation_is_verified_by_its_own_districts_reviewer_or_the_administrator():
    organisation = OrganisationFactory(district=district("anji"))
    assert not can(make_user(D, district=district("wuxing")), "organisation.verify", organisation)
    assert can(make_user(D, district=district("anji")), "organisation.verify", organisation)
    assert can(make_user(AD), "organisation.verify", organisation)
    assert not can(make_user(CR), "organisation.verify", organisation)


def test_anonymous_and_roleless_users_may_do_nothing():
    roleless = UserFactory()
    assert roleless.role is None
    for action in ACTIONS:
        assert not can(AnonymousUser(), action)
        assert not can(roleless, action)
    assert not visible(roleless, Organisation).exists()


def test_visible_scopes_querysets_by_the_same_rule():
    wuxing, anji = OrganisationFactory(district=district("wuxing")), OrganisationFactory(district=district("anji"))
    enterprise = make_user(E, organisation=wuxing)
    reviewer = make_user(D, district=district("anji"))
    assert set(visible(enterprise, Organisation)) == {wuxing}
    assert set(visible(reviewer, Organisation)) == {anji}
    assert {wuxing, anji} <= set(visible(make_user(AU), Organisation))


def test_the_navigation_offers_exactly_what_the_pages_let_in(client_of):
    # The district reviewer may not open the notice pages (city roles only), so the menu does not offer them.
    client, _user = client_of(D)
    page = client.get(reverse("review-queue")).content.decode()
    assert reverse("review-queue") in page and reverse("notice-list") not in page
    # The administrator reads no payments: no "付款" link that would answer 403.
    client, _user = client_of(AD)
    page = client.get(reverse("admin-home")).content.decode()
    assert reverse("finance-batches") not in page and reverse("audit-events") in page


def test_no_view_uses_the_old_role_decorators_or_keeps_its_own_role_tuple():
    root = Path(__file__).resolve().parents[2]
    sources = [
        path
        for package in ("applications", "subsidies", "huzhou_craftsman")
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert not (root / "huzhou_craftsman" / "accounts" / "permissions.py").exists()
    old = re.compile(r"\b(role_required|permission_required)\b|\.has_perm\(")
    # A tuple or set of roles written out in a module: role groups live in accounts/roles.py only, and the workflow
    # table (applications/workflow.py) names the role of each move.
    tuple_of_roles = re.compile(r"[({]\s*Role\.\w+\s*,")
    allowed_files = {"roles.py", "workflow.py"}
    offenders = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if old.search(text):
            offenders.append(f"{path.relative_to(root)}: role_required / permission_required / has_perm")
        if path.name not in allowed_files and tuple_of_roles.search(text):
            offenders.append(f"{path.relative_to(root)}: a tuple of roles of its own")
    assert not offenders, offenders
