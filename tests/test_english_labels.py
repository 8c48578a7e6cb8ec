"""English mode leaves no choice label in Chinese (issue 15 item 4).

Pages an enterprise and the bureau read are rendered in English with applications that use every kind of choice
(titles, provincial titles, competition results, roles, districts, states, user roles); none of the known Chinese
labels may appear. Data the bureau enters (round titles, material names, competition editions, organisation names)
stays as entered and is excluded from the check by being given Latin text here.
"""

import re

import pytest
from django.urls import reverse

from applications import notices
from applications import services as intake
from huzhou_craftsman.accounts.reference import DISTRICTS
from huzhou_craftsman.accounts.roles import Role
from subsidies import payments
from subsidies import services as money
from subsidies.rule_tables import COMPETITION_RESULTS, COMPETITIONS, MASTER_STUDIOS, PROVINCIAL_TITLES, ROLES
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.applications.test_notices import awaiting_notice
from tests.conftest import login
from tests.factories import OrganisationFactory, RoundFactory, catalogue_trade, district, make_resident_id, make_user

pytestmark = pytest.mark.django_db

CHINESE_LABELS = [
    "湖州大工匠", "湖州工匠", "湖州青年工匠", "湖州乡村工匠", *PROVINCIAL_TITLES.values(), *COMPETITIONS.values(),
    *COMPETITION_RESULTS.values(), *ROLES.values(), *MASTER_STUDIOS.values(), *(name for _, name in DISTRICTS),
    "申报单位", "区县初审", "市级复审", "市级审批", "财务经办", "财务复核", "审计",
    "草稿", "已提交", "待公示", "公示中", "已批准", "已支付", "待支付", "已复核", "待复核", "遴选申报", "直接认定",
    "高级技师", "技师", "依据", "第3条", "第4条", "---------",
]  # fmt: skip


def english(client):
    client.cookies["django_language"] = "en"
    return client


def chinese_labels_in(html: str) -> list[str]:
    """The known labels in the page, leaving out text marked as Chinese on purpose (the recorded rule basis, the
    bank memo) and the language switch."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    text = re.sub(r'<(span|td) lang="zh-Hans">.*?</\1>', "", text, flags=re.S)
    return sorted({label for label in CHINESE_LABELS if label in text})


@pytest.fixture
def story(db):
    """An enterprise with a direct-recognition title (approved and paid in a batch) and a competition medal under
    review, with Latin round titles and material names (data the bureau enters stays as entered)."""
    organisation = OrganisationFactory(name="Huzhou Example Machinery Co.", district=district("nanxun"))
    enterprise = make_user(Role.ENTERPRISE, organisation=organisation)
    title_round = RoundFactory(title="Title round 2026", materials=[("Recommendation form", True)])
    medal_round = RoundFactory(scheme="competition", title="Competition round 2026", materials=[])
    catalogue_trade("CNC milling", edition="WorldSkills 48", competition="world_skills")
    direct = save_draft(enterprise, title_round, craftsman_post(
        person_name="Qian Lixin", route="direct", level="", provincial_title="zhejiang_craftsman", title_year="2025",
        in_huzhou_basis="selected_in_huzhou",
    ))  # fmt: skip
    attach_required(direct, enterprise)
    intake.application_submit(application=direct, by=enterprise)
    approver = make_user(Role.CITY_APPROVER)
    direct = awaiting_notice(direct, approver=approver)
    notice = notices.notice_open(applications=[direct], title="Notice 2026", by=approver)
    (award,) = money.notice_close(notice=notice, by=None)
    medal = save_draft(enterprise, medal_round, {
        "person_name": "Sun Xuanshou", "person_resident_id": make_resident_id(81, birth="19990101"),
        "trade": ("CNC milling", "WorldSkills 48"), "level": "gold", "role": "expert_team",
        "team_members": f"Zhang San,{make_resident_id(82)}",
    })  # fmt: skip
    intake.application_submit(application=medal, by=enterprise)
    maker = make_user(Role.FINANCE_MAKER)
    instalment = award.instalments.get()
    batch = payments.batch_create(instalment_ids=[instalment.pk], by=maker)
    return {"enterprise": enterprise, "direct": direct, "medal": medal, "batch": batch, "maker": maker}


def test_no_chinese_choice_label_on_english_pages(client, story):
    medal, direct = story["medal"], story["direct"]
    pages = {
        story["enterprise"]: [
            "/enterprise/", f"/applications/{direct.pk}/", f"/applications/{medal.pk}/", "/awards/",
            f"/apply/{medal.round_id}/new/",
        ],
        make_user(Role.CITY_REVIEWER): [
            "/review/queue/", f"/review/applications/{medal.pk}/", f"/review/applications/{direct.pk}/",
        ],
        story["maker"]: ["/finance/", f"/finance/batches/{story['batch'].pk}/", "/finance/batches/"],
    }  # fmt: skip
    found = {}
    for user, urls in pages.items():
        login(english(client), user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'lang="en"' in response.content.decode()[:200], url
            labels = chinese_labels_in(response.content.decode())
            if labels:
                found[url] = labels
    assert not found


def test_the_english_basis_is_a_summary_with_the_chinese_record_marked(client, story):
    login(english(client), story["enterprise"])
    page = client.get(reverse("award-list")).content.decode()
    assert "Huzhou Craftsman" in page and "10,000.00 yuan, paid in 1 instalment." in page
    assert '<span lang="zh-Hans">第3条 浙江工匠直接认定为湖州工匠' in page  # the record, as stored
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("award-list")).content.decode()
    assert "paid in" not in page and "第3条 浙江工匠直接认定为湖州工匠" in page


def test_districts_are_named_in_the_users_language(client, story):
    login(english(client), make_user(Role.CITY_REVIEWER))
    page = client.get("/review/queue/").content.decode()
    assert "Nanxun District" in page and "South Taihu New Area" in page


def test_empty_choices_read_please_choose_and_the_level_is_a_choice(client, story):
    assert "---------" not in client.get("/register/").content.decode()
    login(client, make_user(Role.CITY_REVIEWER))
    queue = client.get("/review/queue/").content.decode()
    assert "---------" not in queue and '<select name="level"' in queue
    assert '<option value="grand">' in queue
    login(client, story["enterprise"])
    form = client.get(f"/apply/{story['medal'].round_id}/new/").content.decode()
    assert "---------" not in form and "请选择" in form
