"""The intake pages over HTTP: scoping (404 for another organisation), the form, uploads, submission."""

import pytest
from django.urls import reverse

from applications import services
from applications.models import Application
from huzhou_craftsman.accounts.roles import Role
from tests.applications.conftest import craftsman_post, save_draft
from tests.conftest import login
from tests.factories import make_resident_id, make_user, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, enterprise_user):
    return login(client, enterprise_user)


def test_enterprise_creates_a_draft_through_the_form(owner_client, craftsman_round):
    response = owner_client.post(reverse("application-create", args=[craftsman_round.pk]), craftsman_post())
    application = Application.objects.get()
    assert response.url == reverse("application-detail", args=[application.pk])
    page = owner_client.get(response.url).content.decode()
    assert "10,000.00" in page and "第3条" in page
    assert application.person.resident_id not in page  # masked


def test_invalid_form_input_is_shown_and_nothing_is_saved(owner_client, craftsman_round):
    response = owner_client.post(
        reverse("application-create", args=[craftsman_round.pk]), craftsman_post(person_resident_id="123")
    )
    assert response.status_code == 200
    assert "身份证号应为 18 位" in response.content.decode()
    assert not Application.objects.exists()


def test_upload_and_submit_through_the_pages(owner_client, enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    requirement = craftsman_round.materials.get()
    owner_client.post(reverse("attachment-upload", args=[application.pk, requirement.pk]), {"file": pdf_upload()})
    response = owner_client.post(reverse("application-submit", args=[application.pk]), follow=True)
    assert "申报已提交" in response.content.decode()
    application.refresh_from_db()
    assert application.state == "submitted"


def test_a_second_click_on_submit_says_it_is_submitted_without_an_error(owner_client, enterprise_user, craftsman_round):
    # The page a double click lands on is the second POST's answer: it must not look like a failure.
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    requirement = craftsman_round.materials.get()
    owner_client.post(reverse("attachment-upload", args=[application.pk, requirement.pk]), {"file": pdf_upload()})
    owner_client.post(reverse("application-submit", args=[application.pk]), follow=True)  # its messages shown
    second = owner_client.post(reverse("application-submit", args=[application.pk]), follow=True)
    shown = [(m.level_tag, str(m)) for m in second.context["messages"]]
    assert shown == [("info", "这份申报已经提交，无需重复提交。")]
    assert 'class="alert alert-info' in second.content.decode()


def test_submit_problems_are_shown_as_messages(owner_client, enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, {"route": "selection"})
    page = owner_client.post(reverse("application-submit", args=[application.pk]), follow=True).content.decode()
    assert "请上传材料：推荐表" in page and "请填写：申报称号" in page


def test_another_enterprise_gets_404_everywhere(client, enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    requirement = craftsman_round.materials.get()
    from applications import services

    attachment = services.attachment_add(
        application=application, requirement=requirement, upload=pdf_upload(), by=enterprise_user
    )
    intruder = make_user(Role.ENTERPRISE)
    login(client, intruder)
    urls = [
        ("get", reverse("application-detail", args=[application.pk])),
        ("get", reverse("application-edit", args=[application.pk])),
        ("post", reverse("application-submit", args=[application.pk])),
        ("post", reverse("application-withdraw", args=[application.pk])),
        ("post", reverse("attachment-upload", args=[application.pk, requirement.pk])),
        ("get", reverse("attachment-download", args=[attachment.pk])),
        ("get", reverse("roster-edit", args=[application.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    application.refresh_from_db()
    assert application.state == "draft"


def test_owner_downloads_the_attachment_with_safe_headers(owner_client, enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    from applications import services

    attachment = services.attachment_add(
        application=application, requirement=craftsman_round.materials.get(), upload=pdf_upload(), by=enterprise_user
    )
    response = owner_client.get(reverse("attachment-download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_district_reviewer_sees_submitted_applications_of_their_district_only(
    client, ready_application, enterprise_user
):
    from applications import services

    services.application_submit(application=ready_application, by=enterprise_user)
    own = make_user(Role.DISTRICT_REVIEWER, district=ready_application.district)
    login(client, own)
    assert client.get(reverse("application-detail", args=[ready_application.pk])).status_code == 200
    from tests.factories import district

    other = make_user(Role.DISTRICT_REVIEWER, district=district("anji"))
    login(client, other)
    assert client.get(reverse("application-detail", args=[ready_application.pk])).status_code == 404


def test_staff_never_see_drafts(client, enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    client_user = make_user(Role.CITY_REVIEWER)
    login(client, client_user)
    assert client.get(reverse("application-detail", args=[application.pk])).status_code == 404


def test_roster_template_download(owner_client):
    response = owner_client.get(reverse("roster-template"))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_enterprise_home_lists_applications_in_plain_words(owner_client, enterprise_user, craftsman_round):
    save_draft(enterprise_user, craftsman_round, craftsman_post())
    page = owner_client.get(reverse("enterprise-home")).content.decode()
    assert "草稿（未提交）" in page and "补全信息和材料后提交申报" in page
    assert craftsman_round.title in page


def test_enterprise_home_queries_do_not_grow_with_its_applications(owner_client, enterprise_user, craftsman_round):
    # Issue 18: the home once read each row's entered name with a query of its own (a deferred column), 50 queries
    # for 50 applications. The rows are plain values now; the person shown is the name the enterprise entered.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    save_draft(enterprise_user, craftsman_round, craftsman_post(person_name="张填报"))
    owner_client.get(reverse("enterprise-home"))  # the session's first stamp is written
    with CaptureQueriesContext(connection) as few:
        owner_client.get(reverse("enterprise-home"))
    for n in range(2, 6):
        save_draft(enterprise_user, craftsman_round, craftsman_post(person_resident_id=make_resident_id(40 + n)))
    with CaptureQueriesContext(connection) as many:
        page = owner_client.get(reverse("enterprise-home")).content.decode()
    assert len(many) == len(few)
    assert all(reverse("application-detail", args=[a.pk]) in page for a in Application.objects.all())
    assert "张填报" in page and Application.objects.count() == 5


def test_enterprise_home_pages_its_applications_fifty_at_a_time(
    owner_client, enterprise_user, craftsman_round, monkeypatch
):
    from applications import views

    monkeypatch.setattr(views, "HOME_PAGE", 2)  # the page size, made small: the paging is what is tested
    drafts = [save_draft(enterprise_user, craftsman_round, craftsman_post(person_resident_id=make_resident_id(60 + n)))
              for n in range(5)]  # fmt: skip
    seen = []
    for number, expected in ((1, 2), (2, 2), (3, 1)):
        page = owner_client.get(reverse("enterprise-home"), {"page": number}).content.decode()
        shown = [d.pk for d in drafts if reverse("application-detail", args=[d.pk]) in page]
        assert len(shown) == expected and ('data-testid="home-next"' in page) == (number < 3)
        seen += shown
    assert sorted(seen) == sorted(d.pk for d in drafts)  # every application once, newest first across the pages
    assert owner_client.get(reverse("enterprise-home"), {"page": "x"}).status_code == 200


def test_a_returned_application_is_edited_in_the_browser_way_with_locked_fields_not_posted(
    owner_client, enterprise_user, craftsman_round
):
    """Disabled inputs are not sent by browsers: the locked fields must keep their values anyway."""
    from datetime import timedelta

    from django.utils import timezone

    from applications import services
    from tests.applications.conftest import attach_required

    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    attach_required(application, enterprise_user)
    services.application_submit(application=application, by=enterprise_user)
    reviewer = make_user(Role.DISTRICT_REVIEWER, district=application.district)
    services.application_return(
        application=application, by=reviewer, items=[{"target": "field:achievements", "note": "补充业绩"}],
        deadline=timezone.localdate() + timedelta(days=5),
    )  # fmt: skip
    page = owner_client.get(reverse("application-edit", args=[application.pk])).content.decode()
    assert 'name="occupation"' in page and "disabled" in page
    response = owner_client.post(reverse("application-edit", args=[application.pk]), {"achievements": "新业绩"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.details["achievements"] == "新业绩" and application.details["occupation"] == "数控车工"


def test_a_draft_page_asks_only_for_what_a_draft_can_have(owner_client, enterprise_user, ready_application):
    # The deadline rush (issue 18) opens thousands of drafts: no query for versions or correction requests (a draft
    # has none before its first submission) nor for apprentices (not a roster scheme), yet the page shows them.
    application = ready_application
    owner_client.get(reverse("application-detail", args=[application.pk]))  # the session's first stamp is written
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = owner_client.get(reverse("application-detail", args=[application.pk]))
    assert response.status_code == 200 and "提交申报" in response.content.decode()
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "applications_applicationversion" not in tables and "applications_correctionrequest" not in tables
    assert "applications_apprentice" not in tables
    # once submitted, its version history is on the page
    services.application_submit(application=application, by=enterprise_user)
    response = owner_client.get(reverse("application-detail", args=[application.pk]))
    assert response.context["application"].versions.all()[0].number == 1
