import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from huzhou_craftsman.accounts.models import AuditEvent, Organisation
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import audit_record, user_create
from tests.factories import OrganisationFactory, district, make_uscc

pytestmark = pytest.mark.django_db


def organisation_with(uscc: str) -> Organisation:
    return OrganisationFactory.build(uscc=uscc, district=district())


def test_invalid_uscc_is_refused_with_a_clear_message():
    organisation = organisation_with("91330502MA2B3C4D59")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "统一社会信用代码“91330502MA2B3C4D59”校验未通过" in error.value.message_dict["uscc"][0]


def test_uscc_is_normalised_before_it_is_stored():
    organisation = organisation_with("9133-0502ma2b 3c4d58")
    organisation.full_clean()
    assert organisation.uscc == "91330502MA2B3C4D58"


def test_uscc_is_unique():
    code = make_uscc(99)
    OrganisationFactory(uscc=code)
    duplicate = organisation_with(code)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "uscc" in error.value.message_dict


def test_bank_details_are_checked():
    organisation = OrganisationFactory.build(district=district(), bank_cnaps_code="12345", bank_account_number="12ab")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert set(error.value.message_dict) >= {"bank_cnaps_code", "bank_account_number"}


def test_enterprise_user_needs_an_organisation_and_district_reviewer_a_district():
    with pytest.raises(ValidationError, match="必须属于一个申报单位"):
        user_create(username="x", password="Correct-Horse-42", role=Role.ENTERPRISE)
    with pytest.raises(ValidationError, match="必须属于一个区县"):
        user_create(username="y", password="Correct-Horse-42", role=Role.DISTRICT_REVIEWER)


def test_audit_events_cannot_be_edited_or_deleted_in_code():
    event = audit_record(action="test.event", reason="first")
    event.reason = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_the_database_itself_refuses_to_change_the_audit_trail():
    event = audit_record(action="test.event", reason="first")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == "first"


def test_user_create_applies_the_password_validators():
    with pytest.raises(ValidationError):
        user_create(username="weak", password="12345678", role=Role.CITY_REVIEWER)


def test_client_ip_behind_a_trusted_proxy(rf, settings):
    from huzhou_craftsman.accounts.services import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.0.0.9, 203.0.113.7", REMOTE_ADDR="172.18.0.2")
    assert client_ip(request) == "172.18.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
