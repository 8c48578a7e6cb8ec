"""Who may open what: organisation scoping, district scoping, the read-only auditor, 2FA for staff."""

import pytest
from django.urls import reverse

from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import ROLE_HOME, Role
from tests.conftest import login
from tests.factories import OrganisationFactory, district, make_user

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
