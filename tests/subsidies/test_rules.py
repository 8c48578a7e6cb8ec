"""Table tests for subsidies.rules against shared/policy/RULES.md (no database)."""

import dataclasses
from decimal import Decimal, localcontext

import pytest

from subsidies.rules import (
    APPRENTICE_MAX_STANDARD,
    CLAUSES_2021,
    COMPETITION_AWARDS,
    COMPETITIONS,
    CRAFTSMAN_TITLE_AMOUNTS,
    CRAFTSMAN_TITLES,
    DEFAULT_EDITION,
    EDITIONS,
    MASTER_STUDIO_AMOUNTS,
    MASTER_STUDIOS,
    MUNICIPAL_STUDIO_MIN_AMOUNT,
    POLICY_EDITION,
    PROVINCIAL_TITLES,
    ROLES,
    SCHEMES,
    TITLE_QUOTAS,
    TRAINING_BASE_AMOUNTS,
    TRAINING_BASES,
    Claim,
    Decision,
    Edition,
    Installment,
    RuleError,
    edition,
    evaluate,
    level_label,
    register_edition,
    scheme_maximum,
    unregister_edition,
)

D = Decimal


def one(amount: str) -> tuple[Installment, ...]:
    return (Installment(year=1, amount=D(amount)),)


def two(first: str, second: str) -> tuple[Installment, ...]:
    return (Installment(year=1, amount=D(first)), Installment(year=2, amount=D(second)))


def assert_paid(decision: Decision, total: str, installments: tuple[Installment, ...], clause: str) -> None:
    assert decision.eligible is True
    assert decision.total == D(total)
    assert decision.total.as_tuple().exponent == -2
    assert decision.installments == installments
    assert sum(i.amount for i in decision.installments) == decision.total
    assert decision.basis.startswith(clause)
    assert decision.edition == POLICY_EDITION


def assert_not_paid(decision: Decision, clause: str, *reason: str) -> None:
    assert decision.eligible is False
    assert decision.total == D(0)
    assert decision.installments == ()
    assert decision.basis.startswith(clause)
    for words in reason:
        assert words in decision.basis


# --- §3 craftsman titles -------------------------------------------------------------------------------

CRAFTSMAN_ROWS = [
    ("grand", "200000.00", two("100000.00", "100000.00"), "湖州大工匠"),
    ("craftsman", "10000.00", one("10000.00"), "湖州工匠"),
    ("rural", "10000.00", one("10000.00"), "湖州乡村工匠"),
    ("youth", "5000.00", one("5000.00"), "湖州青年工匠"),
]


@pytest.mark.parametrize(("level", "total", "installments", "title"), CRAFTSMAN_ROWS)
def test_craftsman_title_pays_the_table_amount(level, total, installments, title):
    decision = evaluate(Claim(scheme="craftsman_title", level=level))

    assert_paid(decision, total, installments, "第3条")
    assert title in decision.basis


@pytest.mark.parametrize(
    ("provincial_title", "total", "installments", "becomes"),
    [
        ("zhejiang_grand", "200000.00", two("100000.00", "100000.00"), "湖州大工匠"),
        ("zhejiang_outstanding", "200000.00", two("100000.00", "100000.00"), "湖州大工匠"),
        ("zhejiang_craftsman", "10000.00", one("10000.00"), "湖州工匠"),
        ("zhejiang_youth", "5000.00", one("5000.00"), "湖州青年工匠"),
    ],
)
def test_direct_recognition_maps_provincial_titles(provincial_title, total, installments, becomes):
    decision = evaluate(Claim(scheme="craftsman_title", provincial_title=provincial_title, in_huzhou=True))

    assert_paid(decision, total, installments, "第3条")
    assert f"直接认定为{becomes}" in decision.basis
    assert PROVINCIAL_TITLES[provincial_title] in decision.basis


@pytest.mark.parametrize(
    "provincial_title", ["zhejiang_grand", "zhejiang_outstanding", "zhejiang_craftsman", "zhejiang_youth"]
)
def test_direct_recognition_needs_huzhou_selection_or_full_time_move(provincial_title):
    explicit = evaluate(Claim(scheme="craftsman_title", provincial_title=provincial_title, in_huzhou=False))
    by_default = evaluate(Claim(scheme="craftsman_title", provincial_title=provincial_title))

    assert_not_paid(explicit, "第3条", "在湖申报入选", "市外全职引进")
    assert by_default == evaluate(Claim(scheme="craftsman_title", provincial_title=provincial_title, in_huzhou=True))
    assert by_default.eligible


def test_in_huzhou_does_not_matter_for_a_selected_title():
    assert evaluate(Claim(scheme="craftsman_title", level="youth", in_huzhou=False)).total == D("5000")


@pytest.mark.parametrize(
    ("level", "already_received", "total", "installments"),
    [
        ("grand", "10000", "190000.00", two("95000.00", "95000.00")),
        ("grand", "5000", "195000.00", two("97500.00", "97500.00")),
        ("grand", "0.01", "199999.99", two("100000.00", "99999.99")),
        ("grand", "0.03", "199999.97", two("99999.99", "99999.98")),
        ("grand", "199999.98", "0.02", two("0.01", "0.01")),
        ("grand", "199999.99", "0.01", one("0.01")),
        ("craftsman", "5000", "5000.00", one("5000.00")),
        ("rural", "5000.00", "5000.00", one("5000.00")),
        ("craftsman", "0", "10000.00", one("10000.00")),
        ("youth", "4999.99", "0.01", one("0.01")),
    ],
)
def test_a_higher_title_tops_up_what_was_already_received(level, already_received, total, installments):
    decision = evaluate(Claim(scheme="craftsman_title", level=level, already_received=already_received))

    assert_paid(decision, total, installments, "第3条")
    if D(already_received):
        assert "补差" in decision.basis


def test_direct_recognition_also_tops_up():
    claim = Claim(
        scheme="craftsman_title",
        provincial_title="zhejiang_grand",
        in_huzhou=True,
        already_received=D("10000"),
    )

    assert_paid(evaluate(claim), "190000.00", two("95000.00", "95000.00"), "第3条")


@pytest.mark.parametrize(
    ("level", "already_received"),
    [
        ("youth", "10000"),
        ("youth", "5000"),
        ("craftsman", "10000"),
        ("rural", "10000.00"),
        ("rural", "200000"),
        ("grand", "200000"),
        ("grand", "250000"),
    ],
)
def test_a_title_already_paid_in_full_earns_nothing_more(level, already_received):
    decision = evaluate(Claim(scheme="craftsman_title", level=level, already_received=already_received))

    assert_not_paid(decision, "第3条", "就高", "不再拨付")


# --- §4 competitions ----------------------------------------------------------------------------------

COMPETITION_ROWS = [
    ("world_skills_national_team", "selected", "contestant", "50000"),
    ("world_skills_national_team", "selected", "coach", "50000"),
    ("world_skills_national_team", "selected", "expert_team", None),
    ("world_skills", "gold", "contestant", "1000000"),
    ("world_skills", "silver", "contestant", "500000"),
    ("world_skills", "bronze", "contestant", "200000"),
    ("world_skills", "excellence", "contestant", "100000"),
    ("world_skills", "gold", "coach", None),
    ("world_skills", "silver", "coach", None),
    ("world_skills", "bronze", "coach", None),
    ("world_skills", "excellence", "coach", None),
    ("world_skills", "gold", "expert_team", "500000"),
    ("world_skills", "silver", "expert_team", "250000"),
    ("world_skills", "bronze", "expert_team", "100000"),
    ("world_skills", "excellence", "expert_team", "50000"),
    ("china_skills", "gold", "contestant", "200000"),
    ("china_skills", "silver", "contestant", "150000"),
    ("china_skills", "bronze", "contestant", "100000"),
    ("china_skills", "excellence", "contestant", "20000"),
    ("china_skills", "gold", "coach", None),
    ("china_skills", "silver", "coach", None),
    ("china_skills", "bronze", "coach", None),
    ("china_skills", "excellence", "coach", None),
    ("china_skills", "gold", "expert_team", None),
    ("china_skills", "silver", "expert_team", None),
    ("china_skills", "bronze", "expert_team", None),
    ("china_skills", "excellence", "expert_team", None),
]


@pytest.mark.parametrize(("competition", "level", "role", "amount"), COMPETITION_ROWS)
def test_competition_table(competition, level, role, amount):
    decision = evaluate(Claim(scheme="competition", competition=competition, level=level, role=role))

    if amount is None:
        assert_not_paid(decision, "第4条", ROLES[role], "不在奖励范围")
    else:
        assert_paid(decision, amount, one(amount), "第4条")


def test_competition_example_from_the_contract():
    decision = evaluate(Claim(scheme="competition", competition="world_skills", level="gold", role="expert_team"))

    assert decision.basis == "第4条 世界技能大赛金牌 技术指导专家团队减半"
    assert decision.installments == (Installment(year=1, amount=D("500000")),)


def test_competition_role_defaults_to_contestant():
    decision = evaluate(Claim(scheme="competition", competition="china_skills", level="excellence"))

    assert decision.total == D("20000")
    assert "选手" in decision.basis


def test_national_team_coach_gets_the_same_as_the_contestant():
    contestant = evaluate(Claim(scheme="competition", competition="world_skills_national_team", level="selected"))
    coach = evaluate(
        Claim(scheme="competition", competition="world_skills_national_team", level="selected", role="coach")
    )

    assert coach.total == contestant.total == D("50000")
    assert "同等待遇" in coach.basis


def test_national_team_level_may_be_left_empty_as_it_has_one_result():
    decision = evaluate(Claim(scheme="competition", competition="world_skills_national_team", role="coach"))

    assert decision.total == D("50000")


# --- §5 training bases, §6 master studios -------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "amount", "kind"),
    [
        ("national_base", "2000000", "配套资助"),
        ("provincial_base", "1000000", "配套资助"),
        ("world_skills_base", "2000000", "专项资助"),
    ],
)
def test_training_base_table(level, amount, kind):
    decision = evaluate(Claim(scheme="training_base", level=level))

    assert_paid(decision, amount, one(amount), "第5条")
    assert kind in decision.basis


@pytest.mark.parametrize(
    ("level", "amount", "total"),
    [
        ("municipal", MUNICIPAL_STUDIO_MIN_AMOUNT, "50000"),
        ("municipal", "50000.00", "50000"),
        ("municipal", 80000, "80000"),
        ("municipal", D("123456.78"), "123456.78"),
        ("provincial", MUNICIPAL_STUDIO_MIN_AMOUNT, "50000"),
        ("provincial", "300000", "50000"),  # the round's amount is for municipal studios only
        ("national", MUNICIPAL_STUDIO_MIN_AMOUNT, "200000"),
    ],
)
def test_master_studio_table(level, amount, total):
    decision = evaluate(Claim(scheme="master_studio", level=level, amount=amount))

    assert_paid(decision, total, one(total), "第6条")
    assert MASTER_STUDIOS[level] in decision.basis


def test_municipal_studio_amount_defaults_to_the_floor():
    assert evaluate(Claim(scheme="master_studio", level="municipal")).total == D("50000")


# --- §9 apprentices -----------------------------------------------------------------------------------


def apprentice(**fields) -> Claim:
    return Claim(scheme="apprenticeship", **{"contract_months": 12, **fields})


@pytest.mark.parametrize(
    ("fields", "total"),
    [
        ({"trained_months": 12, "filed_months": 12}, "6000.00"),
        ({"trained_months": 24, "filed_months": 24, "contract_months": 36}, "12000.00"),
        ({"trained_months": 6, "filed_months": 12}, "3000.00"),
        ({"trained_months": 18, "filed_months": 12}, "6000.00"),  # capped by the filed period
        ({"trained_months": 12, "filed_months": 9, "standard": "4000"}, "3000.00"),
        ({"trained_months": 7, "filed_months": 12, "standard": 5000}, "2916.67"),  # 2916.666… rounds up
        ({"trained_months": 1, "filed_months": 12, "standard": "5000"}, "416.67"),  # 416.666…
        ({"trained_months": 5, "filed_months": 12, "standard": "1000"}, "416.67"),
        ({"trained_months": 1, "filed_months": 1, "standard": "1"}, "0.08"),  # 0.0833…
        ({"trained_months": 6, "filed_months": 6, "standard": "1000.01"}, "500.01"),  # exactly half a fen: up
        ({"trained_months": 6, "filed_months": 6, "standard": "0.01"}, "0.01"),  # 0.005: up, not to even 0.00
        ({"trained_months": 6, "filed_months": 6, "standard": "0.03"}, "0.02"),  # 0.015: up to 0.02
        ({"trained_months": 3, "filed_months": 12, "standard": "5999.98"}, "1500.00"),  # 1499.995
        ({"trained_months": 3, "filed_months": 3, "standard": "4000.02"}, "1000.01"),  # 1000.005, not 1000.00
        ({"trained_months": 12, "filed_months": 12, "contract_months": 12}, "6000.00"),
    ],
)
def test_apprentice_subsidy_is_standard_times_months_over_twelve(fields, total):
    decision = evaluate(apprentice(**fields))

    assert_paid(decision, total, one(total), "第9条")


def test_apprentice_standard_defaults_to_the_maximum():
    assert APPRENTICE_MAX_STANDARD == D("6000")
    assert evaluate(apprentice(trained_months=1, filed_months=1)).total == D("500")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"contract_months": 11, "trained_months": 12, "filed_months": 12}, "一年及以上劳动合同"),
        ({"contract_months": 0, "trained_months": 12, "filed_months": 12}, "一年及以上劳动合同"),
        ({"trained_months": 0, "filed_months": 12}, "实际培训期限为0"),
        ({"trained_months": 12, "filed_months": 0}, "备案期限为0"),
        ({"trained_months": 1, "filed_months": 1, "standard": "0.01"}, "不足0.01元"),  # 0.000833… rounds to 0
    ],
)
def test_apprentice_not_eligible(fields, reason):
    assert_not_paid(evaluate(apprentice(**fields)), "第9条", reason)


def test_apprentice_defaults_are_not_eligible():
    assert_not_paid(evaluate(Claim(scheme="apprenticeship")), "第9条", "一年及以上劳动合同")


# --- Errors ------------------------------------------------------------------------------------------

ERROR_ROWS = [
    (Claim(), "scheme"),
    (Claim(scheme="housing_allowance"), "scheme"),
    (Claim(scheme="craftsman_title"), "level"),
    (Claim(scheme="craftsman_title", level="platinum"), "level"),
    (Claim(scheme="craftsman_title", level="GRAND"), "level"),
    (Claim(scheme="craftsman_title", provincial_title="jiangsu_grand", in_huzhou=True), "provincial_title"),
    (
        Claim(scheme="craftsman_title", level="grand", provincial_title="zhejiang_grand", in_huzhou=True),
        "只能填一个",
    ),
    (Claim(scheme="craftsman_title", level="youth", already_received="-0.01"), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received=-5000), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received=100.0), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received="0.001"), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received="abc"), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received="NaN"), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received="Infinity"), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received=True), "already_received"),
    (Claim(scheme="craftsman_title", level="youth", already_received=None), "already_received"),
    (Claim(scheme="craftsman_title", provincial_title="zhejiang_youth", in_huzhou="yes"), "in_huzhou"),
    (Claim(scheme="competition", competition="olympics", level="gold"), "competition"),
    (Claim(scheme="competition", level="gold"), "competition"),
    (Claim(scheme="competition", competition="world_skills", level="platinum"), "level"),
    (Claim(scheme="competition", competition="world_skills"), "level"),
    (Claim(scheme="competition", competition="china_skills", level="selected"), "level"),
    (Claim(scheme="competition", competition="world_skills_national_team", level="gold"), "level"),
    (Claim(scheme="competition", competition="world_skills", level="gold", role="sponsor"), "role"),
    (Claim(scheme="competition", competition="world_skills", level="gold", role=""), "role"),
    (Claim(scheme="training_base", level="county_base"), "level"),
    (Claim(scheme="training_base"), "level"),
    (Claim(scheme="master_studio", level="district"), "level"),
    (Claim(scheme="master_studio", level="municipal", amount="49999.99"), "amount"),
    (Claim(scheme="master_studio", level="municipal", amount=0), "amount"),
    (Claim(scheme="master_studio", level="municipal", amount=-50000), "amount"),
    (Claim(scheme="master_studio", level="municipal", amount=60000.0), "amount"),
    (Claim(scheme="master_studio", level="municipal", amount="1000000000000"), "amount"),
    (
        Claim(scheme="apprenticeship", standard="6000.01", contract_months=12, trained_months=1, filed_months=1),
        "standard",
    ),
    (
        Claim(scheme="apprenticeship", standard=7000, contract_months=12, trained_months=1, filed_months=1),
        "standard",
    ),
    (
        Claim(scheme="apprenticeship", standard=0, contract_months=12, trained_months=1, filed_months=1),
        "standard",
    ),
    (
        Claim(scheme="apprenticeship", standard="-1", contract_months=12, trained_months=1, filed_months=1),
        "standard",
    ),
    (
        Claim(scheme="apprenticeship", standard=6000.0, contract_months=12, trained_months=1, filed_months=1),
        "standard",
    ),
    (
        Claim(scheme="apprenticeship", contract_months=12, trained_months=-1, filed_months=12),
        "trained_months",
    ),
    (Claim(scheme="apprenticeship", contract_months=12, trained_months=12, filed_months=-1), "filed_months"),
    (
        Claim(scheme="apprenticeship", contract_months=-12, trained_months=12, filed_months=12),
        "contract_months",
    ),
    (
        Claim(scheme="apprenticeship", contract_months=12, trained_months=6.5, filed_months=12),
        "trained_months",
    ),
    (
        Claim(scheme="apprenticeship", contract_months=True, trained_months=6, filed_months=12),
        "contract_months",
    ),
    (
        Claim(scheme="apprenticeship", contract_months=12, trained_months="6", filed_months=12),
        "trained_months",
    ),
    (
        Claim(scheme="apprenticeship", level="senior", contract_months=12, trained_months=6, filed_months=12),
        "level",
    ),
]


@pytest.mark.parametrize(("claim", "field"), ERROR_ROWS)
def test_malformed_claims_raise_rule_error_naming_the_field(claim, field):
    with pytest.raises(RuleError) as error:
        evaluate(claim)

    assert field in str(error.value)
    assert "无效" in str(error.value) or "只能填一个" in str(error.value)


def test_rule_error_message_lists_what_the_policy_allows():
    with pytest.raises(RuleError) as error:
        evaluate(Claim(scheme="craftsman_title", level="platinum"))

    assert str(error.value) == (
        "level 取值 'platinum' 无效：craftsman_title 的级别只能是 grand（湖州大工匠）、craftsman（湖州工匠）、"
        "rural（湖州乡村工匠）、youth（湖州青年工匠）"
    )


@pytest.mark.parametrize(("amount", "rule"), [("49999.99", "不少于50,000元"), ("6000.01", "不高于6,000元")])
def test_forbidden_values_say_what_the_policy_allows(amount, rule):
    claim = (
        Claim(scheme="master_studio", level="municipal", amount=amount)
        if rule.startswith("不少于")
        else Claim(scheme="apprenticeship", standard=amount)
    )

    with pytest.raises(RuleError, match=rule):
        evaluate(claim)


def test_rule_error_is_a_value_error():
    assert issubclass(RuleError, ValueError)


def test_evaluate_refuses_something_that_is_not_a_claim():
    with pytest.raises(RuleError):
        evaluate({"scheme": "craftsman_title", "level": "grand"})


def test_fields_a_scheme_does_not_use_are_ignored():
    claim = Claim(scheme="training_base", level="national_base", already_received=1.5, standard=99999, role="x")

    assert evaluate(claim).total == D("2000000")


# --- Money inputs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("already_received", [5000, "5000", "5000.00", D("5000"), D("5000.000"), "5E+3", " 5000 "])
def test_money_accepts_decimal_int_and_numeric_str(already_received):
    decision = evaluate(Claim(scheme="craftsman_title", level="craftsman", already_received=already_received))

    assert decision.total == D("5000")


def test_negative_zero_is_zero():
    assert evaluate(Claim(scheme="craftsman_title", level="youth", already_received="-0")).total == D("5000")


def test_callers_decimal_context_does_not_change_amounts():
    with localcontext() as context:
        context.prec = 3
        decision = evaluate(apprentice(trained_months=7, filed_months=12, standard="5000"))

    assert decision.total == D("2916.67")


# --- Types and metadata ----------------------------------------------------------------------------------


def test_claim_is_frozen():
    claim = Claim(scheme="craftsman_title", level="grand")

    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.level = "youth"


def test_decision_and_installment_are_frozen():
    decision = evaluate(Claim(scheme="craftsman_title", level="grand"))

    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.total = D("1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.installments[0].amount = D("1")
    assert isinstance(decision.installments, tuple)


def test_claim_defaults():
    claim = Claim()

    assert (claim.role, claim.in_huzhou, claim.level, claim.provincial_title) == ("contestant", True, "", "")
    assert (D(claim.already_received), D(claim.amount), D(claim.standard)) == (D(0), D("50000"), D("6000"))
    assert (claim.trained_months, claim.filed_months, claim.contract_months) == (0, 0, 0)


def test_decision_records_the_policy_edition():
    assert POLICY_EDITION == "huzhou-2021"
    assert evaluate(Claim(scheme="training_base", level="national_base")).edition == "huzhou-2021"
    assert Decision(eligible=False, total=D(0), installments=(), basis="").edition == POLICY_EDITION


def test_metadata_tables():
    assert set(SCHEMES) == {
        "craftsman_title",
        "competition",
        "training_base",
        "master_studio",
        "apprenticeship",
        "tuition",
        "post_allowance",
        "living_allowance",
    }
    assert dict(TITLE_QUOTAS) == {"grand": 50, "craftsman": 250, "rural": 250, "youth": 1000}
    assert set(CRAFTSMAN_TITLES) == set(TITLE_QUOTAS)
    assert set(COMPETITIONS) == {"world_skills_national_team", "world_skills", "china_skills"}
    assert set(ROLES) == {"contestant", "coach", "expert_team"}
    assert set(TRAINING_BASES) == {"national_base", "provincial_base", "world_skills_base"}
    assert MUNICIPAL_STUDIO_MIN_AMOUNT == D("50000")
    with pytest.raises(TypeError):
        TITLE_QUOTAS["grand"] = 500  # read-only: nothing in the portal can change a rate at run time


@pytest.mark.parametrize(
    ("scheme", "level", "label"),
    [
        ("craftsman_title", "grand", "湖州大工匠"),
        ("craftsman_title", "rural", "湖州乡村工匠"),
        ("competition", "excellence", "优胜奖"),
        ("training_base", "provincial_base", "省级高技能人才公共实训基地"),
        ("master_studio", "national", "国家级技能大师工作室"),
    ],
)
def test_level_label(scheme, level, label):
    assert level_label(scheme, level) == label


@pytest.mark.parametrize(
    ("scheme", "level"),
    [("craftsman_title", "platinum"), ("nope", "grand"), ("apprenticeship", "grand"), ("tuition", "")],
)
def test_level_label_rejects_unknown_codes(scheme, level):
    with pytest.raises(RuleError):
        level_label(scheme, level)


@pytest.mark.parametrize(
    ("scheme", "kwargs", "maximum"),
    [
        ("craftsman_title", {}, "200000"),
        ("competition", {}, "1000000"),
        ("training_base", {}, "2000000"),
        ("master_studio", {}, "200000"),
        ("master_studio", {"municipal_amount": "300000"}, "300000"),
        ("apprenticeship", {}, "6000"),
        ("apprenticeship", {"filed_months": 7}, "3500"),
        ("apprenticeship", {"filed_months": 0}, "0"),
    ],
)
def test_scheme_maximum(scheme, kwargs, maximum):
    assert scheme_maximum(scheme, **kwargs) == D(maximum)


def test_scheme_maximum_rejects_unknown_scheme_and_forbidden_amounts():
    with pytest.raises(RuleError):
        scheme_maximum("lottery")
    with pytest.raises(RuleError):
        scheme_maximum("master_studio", municipal_amount="10000")


# --- §9 学费补助、岗位补贴, §10 生活补贴: amounts set by the round -------------------------------------------

ROUND_SET_ROWS = [
    ("tuition", 3000, "3000.00", "第9条 学费补助 每人3,000元（区县结合实际，由批次确定）"),
    ("tuition", "0.01", "0.01", "第9条 学费补助 每人0.01元（区县结合实际，由批次确定）"),
    ("post_allowance", "1234.56", "1234.56", "第9条 岗位补贴 每人每年1,234.56元（区县结合实际，由批次确定）"),
    ("post_allowance", D("24000.00"), "24000.00", "第9条 岗位补贴 每人每年24,000元（区县结合实际，由批次确定）"),
    ("living_allowance", "5000", "5000.00", "第10条 生活补贴 每生每年5,000元（区县结合实际，由批次确定）"),
    ("living_allowance", " 1E+3 ", "1000.00", "第10条 生活补贴 每生每年1,000元（区县结合实际，由批次确定）"),
]


@pytest.mark.parametrize(("scheme", "amount", "total", "basis"), ROUND_SET_ROWS)
def test_round_set_schemes_pay_the_rounds_amount_at_once(scheme, amount, total, basis):
    decision = evaluate(Claim(scheme=scheme, amount=amount))

    assert_paid(decision, total, one(total), basis.split(" ")[0])
    assert decision.basis == basis


@pytest.mark.parametrize(
    ("scheme", "clause"), [("tuition", "第9条"), ("post_allowance", "第9条"), ("living_allowance", "第10条")]
)
@pytest.mark.parametrize("amount", [0, "0", "0.00", "-0.01", -100, 3000.0, "abc", "0.001", None, True, "NaN"])
def test_round_set_amount_must_be_positive_money(scheme, clause, amount):
    with pytest.raises(RuleError) as error:
        evaluate(Claim(scheme=scheme, amount=amount))

    message = str(error.value)
    assert message.startswith("amount 取值")
    assert "须大于0元" in message and clause in message


@pytest.mark.parametrize("scheme", ["tuition", "post_allowance", "living_allowance"])
def test_round_set_schemes_have_no_level(scheme):
    with pytest.raises(RuleError, match=f"level 取值 'senior' 无效：{scheme} 没有级别"):
        evaluate(Claim(scheme=scheme, level="senior", amount=3000))


@pytest.mark.parametrize("scheme", ["tuition", "post_allowance", "living_allowance"])
def test_round_set_scheme_maximum_is_the_rounds_amount(scheme):
    assert scheme_maximum(scheme, amount="8000") == D("8000.00")
    with pytest.raises(RuleError, match="amount 未填写"):
        scheme_maximum(scheme)
    with pytest.raises(RuleError, match="须大于0元"):
        scheme_maximum(scheme, amount=0)


# --- Editions --------------------------------------------------------------------------------------------


def test_the_2021_edition_holds_the_module_tables():
    ed = edition("huzhou-2021")

    assert DEFAULT_EDITION == POLICY_EDITION == ed.code == "huzhou-2021"
    assert isinstance(ed, Edition) and EDITIONS["huzhou-2021"] is ed
    assert ed.title == "湖州工匠培育工程实施意见（2021）"
    assert dict(ed.craftsman_title_amounts) == dict(CRAFTSMAN_TITLE_AMOUNTS)
    assert ed.two_year_titles == {"grand"}
    assert dict(ed.title_quotas) == dict(TITLE_QUOTAS)
    assert ed.competition_awards == COMPETITION_AWARDS
    assert dict(ed.training_base_amounts) == dict(TRAINING_BASE_AMOUNTS)
    assert dict(ed.master_studio_amounts) == dict(MASTER_STUDIO_AMOUNTS)
    assert (ed.municipal_studio_min_amount, ed.apprentice_max_standard) == (D("50000"), D("6000"))
    assert ed.apprentice_min_contract_months == 12
    assert ed.schemes == set(SCHEMES)
    assert dict(ed.clauses) == dict(CLAUSES_2021)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ed.apprentice_max_standard = D("9000")
    with pytest.raises(TypeError):
        ed.craftsman_title_amounts["grand"] = D("1")


@pytest.mark.parametrize("code", ["huzhou-2030", "", "HUZHOU-2021", None])
def test_unknown_edition_raises_rule_error_naming_the_known_ones(code):
    with pytest.raises(RuleError) as error:
        evaluate(Claim(scheme="training_base", level="national_base", edition=code))

    assert str(error.value).startswith(f"edition 取值 {code!r} 无效")
    assert "huzhou-2021（湖州工匠培育工程实施意见（2021））" in str(error.value)
    with pytest.raises(RuleError, match="edition"):
        edition(code)
    with pytest.raises(RuleError, match="edition"):
        scheme_maximum("training_base", edition=code)


EVERY_SCHEME_CLAIM = [
    Claim(scheme="craftsman_title", level="grand"),
    Claim(scheme="competition", competition="china_skills", level="gold", role="coach"),
    Claim(scheme="training_base", level="national_base"),
    Claim(scheme="master_studio", level="municipal"),
    Claim(scheme="apprenticeship", contract_months=12, trained_months=6, filed_months=6),
    Claim(scheme="tuition", amount="3000"),
    Claim(scheme="post_allowance", amount="3000"),
    Claim(scheme="living_allowance", amount="3000"),
]


@pytest.mark.parametrize("claim", EVERY_SCHEME_CLAIM, ids=lambda claim: claim.scheme)
def test_every_decision_names_the_edition_that_computed_it(claim):
    assert claim.edition == "huzhou-2021"
    assert evaluate(claim).edition == "huzhou-2021"


# A throwaway edition: the 2021 text with other amounts, a coach paid at the World Skills gold, a base level
# and a scheme dropped, and another clause for tuition.
TEST_EDITION = "test-2030"


@pytest.fixture
def edition_2030():
    ed = dataclasses.replace(
        edition("huzhou-2021"),
        code=TEST_EDITION,
        title="测试用政策版本（2030）",
        craftsman_title_amounts={"grand": "300000", "craftsman": 20000, "rural": D("15000"), "youth": D("8000")},
        two_year_titles={"grand", "craftsman"},
        title_quotas={"grand": 60},
        competition_awards={
            "world_skills": {"gold": {"contestant": "1200000", "coach": "100000", "expert_team": "600000"}},
            "china_skills": {"gold": {"contestant": "250000", "coach": None, "expert_team": None}},
        },
        training_base_amounts={"national_base": "2500000", "provincial_base": "1200000"},
        master_studio_amounts={"municipal": None, "provincial": "60000", "national": "250000"},
        municipal_studio_min_amount="80000",
        apprentice_max_standard="8000",
        apprentice_min_contract_months=6,
        schemes=frozenset(SCHEMES) - {"living_allowance"},
        clauses={**CLAUSES_2021, "tuition": "第7条"},
    )
    register_edition(ed)
    yield ed
    unregister_edition(TEST_EDITION)


EDITION_2030_ROWS = [
    (Claim(scheme="craftsman_title", level="grand"), "300000.00", two("150000.00", "150000.00")),
    (Claim(scheme="craftsman_title", level="craftsman"), "20000.00", two("10000.00", "10000.00")),
    (
        Claim(scheme="craftsman_title", level="craftsman", already_received="10000"),
        "10000.00",
        two("5000.00", "5000.00"),
    ),
    (Claim(scheme="craftsman_title", level="youth"), "8000.00", one("8000.00")),
    (Claim(scheme="craftsman_title", provincial_title="zhejiang_youth"), "8000.00", one("8000.00")),
    (Claim(scheme="competition", competition="world_skills", level="gold"), "1200000.00", one("1200000.00")),
    (
        Claim(scheme="competition", competition="world_skills", level="gold", role="coach"),
        "100000.00",
        one("100000.00"),
    ),
    (Claim(scheme="competition", competition="china_skills", level="gold", role="coach"), "0", ()),
    (Claim(scheme="training_base", level="national_base"), "2500000.00", one("2500000.00")),
    (Claim(scheme="master_studio", level="national"), "250000.00", one("250000.00")),
    (Claim(scheme="master_studio", level="municipal", amount="80000"), "80000.00", one("80000.00")),
    (
        Claim(scheme="apprenticeship", standard="8000", contract_months=6, trained_months=12, filed_months=12),
        "8000.00",
        one("8000.00"),
    ),
    (Claim(scheme="tuition", amount="4000"), "4000.00", one("4000.00")),
]


@pytest.mark.parametrize(("claim", "total", "installments"), EDITION_2030_ROWS)
def test_a_new_edition_computes_its_own_amounts(edition_2030, claim, total, installments):
    decision = evaluate(dataclasses.replace(claim, edition=TEST_EDITION))

    assert decision.edition == TEST_EDITION
    assert decision.total == D(total)
    assert decision.installments == installments
    assert decision.basis.startswith(edition_2030.clauses[claim.scheme])


def test_a_new_editions_clause_and_wording_reach_the_basis(edition_2030):
    tuition = evaluate(Claim(scheme="tuition", amount="4000", edition=TEST_EDITION))
    coach = evaluate(
        Claim(scheme="competition", competition="world_skills", level="gold", role="coach", edition=TEST_EDITION)
    )
    studio = Claim(scheme="master_studio", level="municipal", amount="60000", edition=TEST_EDITION)

    assert tuition.basis == "第7条 学费补助 每人4,000元（区县结合实际，由批次确定）"
    assert coach.basis == "第4条 世界技能大赛金牌 带队教练一次性奖励"
    with pytest.raises(RuleError, match="不少于80,000元"):
        evaluate(studio)
    assert evaluate(dataclasses.replace(studio, edition="huzhou-2021")).total == D("60000")
    with pytest.raises(RuleError, match="不高于8,000元"):
        evaluate(Claim(scheme="apprenticeship", standard="8000.01", edition=TEST_EDITION))
    with pytest.raises(RuleError, match="不高于6,000元"):
        evaluate(Claim(scheme="apprenticeship", standard="8000", edition="huzhou-2021"))
    assert scheme_maximum("master_studio", edition=TEST_EDITION) == D("250000")
    assert scheme_maximum("apprenticeship", edition=TEST_EDITION) == D("8000")
    assert scheme_maximum("craftsman_title", edition=TEST_EDITION) == D("300000")


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        (Claim(scheme="living_allowance", amount="3000"), "scheme"),
        (Claim(scheme="training_base", level="world_skills_base"), "level"),
        (Claim(scheme="competition", competition="world_skills", level="silver"), "level"),
        (Claim(scheme="competition", competition="world_skills_national_team"), "competition"),
        (Claim(scheme="master_studio", level="municipal", amount="79999.99"), "amount"),
    ],
)
def test_a_new_edition_refuses_what_it_does_not_cover(edition_2030, claim, field):
    with pytest.raises(RuleError) as error:
        evaluate(dataclasses.replace(claim, edition=TEST_EDITION))

    assert str(error.value).startswith(f"{field} 取值")
    assert evaluate(claim).edition == "huzhou-2021"  # the 2021 edition still covers it


# Every row of the 2021 tables, and what it must keep computing whatever else is registered.
ROWS_2021 = [
    *[(Claim(scheme="craftsman_title", level=level), total) for level, total, _, _ in CRAFTSMAN_ROWS],
    *[
        (Claim(scheme="competition", competition=c, level=level, role=role), amount or "0")
        for c, level, role, amount in COMPETITION_ROWS
    ],
    (Claim(scheme="training_base", level="national_base"), "2000000"),
    (Claim(scheme="training_base", level="provincial_base"), "1000000"),
    (Claim(scheme="training_base", level="world_skills_base"), "2000000"),
    (Claim(scheme="master_studio", level="municipal", amount="60000"), "60000"),
    (Claim(scheme="master_studio", level="provincial"), "50000"),
    (Claim(scheme="master_studio", level="national"), "200000"),
    (Claim(scheme="apprenticeship", contract_months=12, trained_months=12, filed_months=12), "6000"),
    (Claim(scheme="apprenticeship", contract_months=11, trained_months=12, filed_months=12), "0"),
    (Claim(scheme="craftsman_title", provincial_title="zhejiang_grand", already_received="10000"), "190000"),
    (Claim(scheme="tuition", amount="3000"), "3000"),
    (Claim(scheme="living_allowance", amount="3000"), "3000"),
]
# Computed once, when no other edition is registered.
BASELINE_2021 = {claim: evaluate(claim) for claim, _ in ROWS_2021}


@pytest.mark.parametrize(("claim", "total"), ROWS_2021)
def test_registering_an_edition_never_changes_what_2021_computes(edition_2030, claim, total):
    decision = evaluate(claim)

    assert decision == BASELINE_2021[claim]
    assert decision.total == D(total)
    assert decision.edition == "huzhou-2021"


def test_an_edition_is_never_redefined(edition_2030):
    with pytest.raises(RuleError, match="已存在"):
        register_edition(dataclasses.replace(edition_2030, title="改过的测试版本"))
    with pytest.raises(RuleError, match="已存在"):
        register_edition(edition("huzhou-2021"))
    with pytest.raises(RuleError, match="不能移除"):
        unregister_edition("huzhou-2021")
    with pytest.raises(RuleError):
        register_edition({"code": "dict-2030"})
    assert EDITIONS[TEST_EDITION] is edition_2030
    assert evaluate(Claim(scheme="craftsman_title", level="youth", edition=TEST_EDITION)).total == D("8000")
    with pytest.raises(TypeError):
        EDITIONS["huzhou-2021"] = edition_2030  # the registry is changed only through register_edition


def test_an_unregistered_edition_is_unknown_again():
    ed = dataclasses.replace(edition("huzhou-2021"), code="test-gone", title="测试用政策版本")
    register_edition(ed)
    unregister_edition("test-gone")

    with pytest.raises(RuleError, match="edition"):
        evaluate(Claim(scheme="training_base", level="national_base", edition="test-gone"))
    with pytest.raises(RuleError, match="edition"):
        unregister_edition("test-gone")
    assert set(EDITIONS) == {"huzhou-2021"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": ""}, "Edition.code"),
        ({"code": " x"}, "Edition.code"),
        ({"title": ""}, "title"),
        ({"craftsman_title_amounts": {"grand": 300000.0}}, "craftsman_title_amounts[grand]"),
        ({"craftsman_title_amounts": {"platinum": "1"}}, "craftsman_title_amounts"),
        ({"craftsman_title_amounts": {"grand": "-1"}}, "craftsman_title_amounts[grand]"),
        ({"two_year_titles": {"youth_plus"}}, "two_year_titles"),
        ({"title_quotas": {"grand": -1}}, "title_quotas[grand]"),
        ({"direct_recognition": {"zhejiang_grand": "platinum"}}, "direct_recognition"),
        ({"competition_awards": {"olympics": {}}}, "competition_awards"),
        (
            {"competition_awards": {"world_skills": {"gold": {"sponsor": "1"}}}},
            "competition_awards[world_skills][gold]",
        ),
        ({"training_base_amounts": {"national_base": None}}, "training_base_amounts[national_base]"),
        ({"master_studio_amounts": ["municipal"]}, "master_studio_amounts"),
        ({"municipal_studio_min_amount": 50000.0}, "municipal_studio_min_amount"),
        ({"apprentice_max_standard": "0.001"}, "apprentice_max_standard"),
        ({"apprentice_min_contract_months": 12.0}, "apprentice_min_contract_months"),
        ({"schemes": {"lottery"}}, "schemes"),
        ({"clauses": {"craftsman_title": "第3条"}}, "clauses"),
    ],
)
def test_an_edition_checks_its_tables(changes, message):
    with pytest.raises(RuleError, match=message.replace("[", r"\[").replace("]", r"\]")):
        dataclasses.replace(edition("huzhou-2021"), **{"code": "test-bad", **changes})


def test_an_edition_copies_its_tables():
    amounts = {"grand": D("300000"), "craftsman": D("20000"), "rural": D("15000"), "youth": D("8000")}
    ed = dataclasses.replace(edition("huzhou-2021"), code="test-copy", craftsman_title_amounts=amounts)

    amounts["grand"] = D("1")

    assert ed.craftsman_title_amounts["grand"] == D("300000")
    assert "test-copy" not in EDITIONS  # built but never registered
