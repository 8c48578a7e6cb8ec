"""What pages say: no contradictions between a badge and the text below it, no word said twice, rows from 1."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import notices, roster, services
from huzhou_craftsman.accounts.roles import Role
from subsidies.services import notice_close
from tests.applications.conftest import craftsman_post, save_draft
from tests.applications.test_materials_and_roster import xlsx
from tests.applications.test_notices import craftsman_awaiting, submitted
from tests.conftest import login
from tests.factories import RoundFactory, make_resident_id, make_user, training

pytestmark = pytest.mark.django_db


def approved(enterprise_user, *, seq=21):
    application = craftsman_awaiting(enterprise_user, seq=seq)
    approver = make_user(Role.CITY_APPROVER)
    notice = notices.notice_open(applications=[application], title="公示", by=approver)
    notice_close(notice=notice, by=None)
    application.refresh_from_db()
    assert application.state == "approved"
    return application


def test_an_approved_application_never_says_it_is_under_review(client, enterprise_user):
    application = approved(enterprise_user)
    login(client, enterprise_user)
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert "已批准" in page
    assert "申报正在审核中" not in page
    assert "申报已批准" in page


def test_the_review_page_says_approved_once_per_earlier_award(client, enterprise_user):
    # given a person with an approved award and a second application under review
    first = approved(enterprise_user, seq=22)
    second = submitted(
        enterprise_user, RoundFactory(), craftsman_post(person_resident_id=first.person.resident_id, level="youth")
    )
    login(client, make_user(Role.CITY_REVIEWER))
    # when a reviewer reads the second one, in English
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("review-detail", args=[second.pk])).content.decode()
    # then the earlier award reads "Approved · approved amount …", not "Approved · Approved …"
    assert first.number in page
    assert "Approved · Approved" not in page
    assert re.search(r"Approved · Amount approved [0-9,]+\.[0-9]{2} yuan", page)


def test_the_roster_on_the_page_counts_apprentices_from_one(client, enterprise_user):
    round = RoundFactory(scheme="apprenticeship", apprentice_standard="5000")
    draft = save_draft(enterprise_user, round, {"training_provider": "湖州技师学院", "filing_number": "BA-2026-01"})
    rows = roster.read_roster(
        xlsx(
            [
                ["甲", make_resident_id(101, birth="20000101"), "数控车工", 24, 12, *training(7)],
                ["乙", make_resident_id(102, birth="20010101"), "电工", 24, 12, *training(7)],
            ]
        )
    )
    services.roster_replace(application=draft, rows=rows, by=enterprise_user)
    login(client, enterprise_user)
    page = client.get(reverse("application-detail", args=[draft.pk])).content.decode()
    cells = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>(甲|乙)</td>", page)
    assert cells == [("1", "甲"), ("2", "乙")]


def test_import_errors_say_their_numbers_are_the_spreadsheet_rows():
    with pytest.raises(ValidationError) as error:
        roster.read_roster(xlsx([["", make_resident_id(102), "电工", 24, 12, 7]]))
    messages = error.value.messages
    assert messages[0] == "以下“第 N 行”指 Excel 表格左侧的行号（第 1 行为表头）。"
    assert messages[1].startswith("第 2 行：姓名不能为空")
