"""Each scheme's form: what it accepts, what it refuses, and the estimate the rules engine gives."""

from decimal import Decimal

import pytest

from applications import schemes
from subsidies.models import Award
from tests.applications.conftest import craftsman_post, save_draft
from tests.factories import RoundFactory, make_resident_id

pytestmark = pytest.mark.django_db


def test_craftsman_selection_draft_gets_the_rules_estimate(enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post(level="craftsman"))
    assert application.number.startswith("HZGJ2026")
    assert application.level == "craftsman"
    assert application.estimate_total == Decimal("10000.00")
    assert "第3条" in application.estimate_basis
    assert application.person.name == "王建华"


def test_a_draft_can_be_saved_half_filled(enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, {"route": "selection", "occupation": "钳工"})
    assert application.state == "draft" and application.person is None
    assert application.estimate_total is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("person_resident_id", "330502198005061234", "校验位"),
        ("person_mobile", "12345", "11 位手机号码"),
        ("years_in_huzhou", "-1", ""),
        ("level", "platinum", ""),
    ],
)
def test_craftsman_form_refuses_bad_input_with_a_specific_message(craftsman_round, field, value, message):
    form = schemes.form_for(craftsman_round, data=craftsman_post(**{field: value}))
    assert not form.is_valid()
    assert field in form.errors
    assert message in " ".join(form.errors[field])


def test_direct_recognition_maps_the_provincial_title_and_checks_the_condition(enterprise_user, craftsman_round):
    data = craftsman_post(route="direct", level="", provincial_title="zhejiang_outstanding", title_year="2024")
    met = save_draft(enterprise_user, craftsman_round, {**data, "in_huzhou_basis": "full_time_import"})
    assert met.level == "grand" and met.estimate_total == Decimal("200000.00")
    other = craftsman_post(route="direct", level="", provincial_title="zhejiang_youth", title_year="2024")
    not_met = save_draft(
        enterprise_user,
        craftsman_round,
        {**other, "person_resident_id": make_resident_id(12), "person_name": "李四", "in_huzhou_basis": "none"},
    )
    assert not_met.estimate_total == Decimal("0")
    assert "在湖申报入选" in not_met.estimate_basis


def test_highest_only_the_estimate_tops_up_an_earlier_award(enterprise_user, craftsman_round):
    earlier = save_draft(enterprise_user, craftsman_round, craftsman_post(level="youth"))
    earlier.approved_total = Decimal("5000")
    earlier.state = "approved"
    earlier.save()
    # "Already received" is read from the awards (the one source for the estimate and the award alike).
    Award.objects.create(
        application=earlier, organisation=earlier.organisation, person=earlier.person, scheme="craftsman_title",
        level="youth", total=Decimal("5000"), basis="第3条", policy_edition="huzhou-2021",
    )  # fmt: skip
    later = save_draft(enterprise_user, RoundFactory(), craftsman_post(level="craftsman"))
    assert later.estimate_total == Decimal("5000.00")
    assert "就高不重复" in later.estimate_basis


def test_competition_expert_team_lists_members_and_gets_half(enterprise_user):
    round = RoundFactory(scheme="competition")
    members = f"张三,{make_resident_id(21)}\n李四,{make_resident_id(22)}"
    application = save_draft(
        enterprise_user,
        round,
        {
            "person_name": "王队长",
            "person_resident_id": make_resident_id(20),
            "trade": ("数控铣",),
            "level": "gold",
            "role": "expert_team",
            "team_members": members,
        },
    )
    assert application.estimate_total == Decimal("500000.00")
    assert len(application.details["team_members"]) == 2
    assert "减半" in application.estimate_basis


def test_competition_team_member_with_a_bad_id_is_reported_by_line(enterprise_user):
    form = schemes.form_for(
        RoundFactory(scheme="competition"), data={"role": "expert_team", "team_members": "张三,123\n"}
    )
    assert not form.is_valid()
    assert "第 1 行" in form.errors["team_members"][0]


def test_coach_at_china_skills_is_not_eligible_and_says_why(enterprise_user):
    round = RoundFactory(scheme="competition")
    application = save_draft(
        enterprise_user,
        round,
        {"person_name": "赵教练", "person_resident_id": make_resident_id(30), "level": "gold", "role": "coach",
         "trade": ("焊接", "第二届全国技能大赛（中国技能大赛）", "china_skills", 2023)},
    )  # fmt: skip
    assert application.estimate_total == Decimal("0")
    assert application.estimate_basis


def test_training_base_and_studio_amounts(enterprise_user):
    base = save_draft(
        enterprise_user,
        RoundFactory(scheme="training_base"),
        {"level": "national_base", "document_number": "人社部函〔2025〕12号", "document_date": "2025-06-01"},
    )
    assert base.estimate_total == Decimal("2000000.00")
    studio_round = RoundFactory(scheme="master_studio", municipal_studio_amount=Decimal("80000"))
    studio = save_draft(
        enterprise_user,
        studio_round,
        {"person_name": "钱大师", "person_resident_id": make_resident_id(40), "level": "municipal",
         "studio_name": "钱大师数控工作室", "document_number": "湖人社〔2026〕3号", "document_date": "2026-03-01"},
    )  # fmt: skip
    assert studio.estimate_total == Decimal("80000.00")


def test_round_limits_the_levels_offered(craftsman_round):
    craftsman_round.eligible_levels = ["youth"]
    craftsman_round.save()
    form = schemes.form_for(craftsman_round)
    assert [code for code, _label in form.fields["level"].choices] == ["", "youth"]


def test_a_known_id_with_another_name_is_kept_as_entered_without_revealing_the_name(enterprise_user, craftsman_round):
    first = save_draft(enterprise_user, craftsman_round, craftsman_post())
    second = save_draft(enterprise_user, craftsman_round, craftsman_post(person_name="冒名者"))
    # not refused (a refusal would say the number is registered); the registered name is not rewritten
    assert second.person_id == first.person_id and second.person.name == "王建华"
    assert second.person_display_name == "冒名者" and second.person_name_differs
