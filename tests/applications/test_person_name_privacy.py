"""An ID number's registration is never revealed to an enterprise: the answer is the same whether the number is
registered under another name or not registered at all; reviewers see the difference as a warning."""

import re

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application, Person
from huzhou_craftsman.accounts.roles import Role
from tests.applications.conftest import attach_required, craftsman_post
from tests.conftest import login
from tests.factories import make_resident_id, make_user, verified_person_account

pytestmark = pytest.mark.django_db

REGISTERED = make_resident_id(71, birth="19800506")
UNREGISTERED = make_resident_id(72, birth="19800506")


def _normalised(html: str, application: Application) -> str:
    """The page with what legitimately differs between two applications (number, ids, tokens) blanked out."""
    html = html.replace(application.number, "NUMBER").replace(application.person.resident_id, "ID")
    html = html.replace(application.person.masked_resident_id, "MASKED")
    html = re.sub(r"/applications/\d+/", "/applications/N/", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_registered_elsewhere_and_not_registered_get_the_same_answer(client, craftsman_round):
    Person.objects.create(resident_id=REGISTERED, name="李登记")
    enterprise = make_user(Role.ENTERPRISE)
    login(client, enterprise)
    pages = []
    for resident_id in (REGISTERED, UNREGISTERED):
        response = client.post(
            reverse("application-create", args=[craftsman_round.pk]),
            craftsman_post(person_name="张填报", person_resident_id=resident_id),
        )
        assert response.status_code == 302
        application = Application.objects.get(person__resident_id=resident_id)
        detail = client.get(response.url).content.decode()
        home = client.get(reverse("enterprise-home")).content.decode()
        edit = client.get(reverse("application-edit", args=[application.pk])).content.decode()
        assert "李登记" not in detail + home + edit
        assert "张填报" in detail and "张填报" in edit
        pages.append((_normalised(detail, application), _normalised(edit, application)))
    assert pages[0] == pages[1]
    assert Person.objects.get(resident_id=REGISTERED).name == "李登记"  # the registered record is not rewritten


def test_the_reviewer_sees_that_the_entered_name_differs(client, craftsman_round):
    Person.objects.create(resident_id=REGISTERED, name="李登记")
    enterprise = make_user(Role.ENTERPRISE)
    login(client, enterprise)
    client.post(
        reverse("application-create", args=[craftsman_round.pk]),
        craftsman_post(person_name="张填报", person_resident_id=REGISTERED),
    )
    application = Application.objects.get()
    attach_required(application, enterprise)
    verified_person_account(application.person)  # the awardee's own account, as finance verified it
    services.application_submit(application=application, by=enterprise)
    login(client, make_user(Role.DISTRICT_REVIEWER, district=application.district))
    page = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    assert "填报姓名与已登记姓名不一致" in page
    assert "张填报" in page and "李登记" in page


def test_a_matching_name_gives_no_warning(client, craftsman_round):
    Person.objects.create(resident_id=REGISTERED, name="张填报")
    enterprise = make_user(Role.ENTERPRISE)
    login(client, enterprise)
    client.post(
        reverse("application-create", args=[craftsman_round.pk]),
        craftsman_post(person_name="张填报", person_resident_id=REGISTERED),
    )
    application = Application.objects.get()
    attach_required(application, enterprise)
    verified_person_account(application.person)  # the awardee's own account, as finance verified it
    services.application_submit(application=application, by=enterprise)
    login(client, make_user(Role.DISTRICT_REVIEWER, district=application.district))
    page = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    assert "填报姓名与已登记姓名不一致" not in page
