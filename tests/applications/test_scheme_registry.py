"""The scheme registry (one module per scheme), policy editions, and claim identity that no rewording defeats."""

import dataclasses
import inspect
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from applications import schemes, services
from applications.models import Application, ClaimKey, Round
from applications.schemes import registry
from applications.schemes.base import SchemeDefinition
from huzhou_craftsman.accounts.roles import Role
from subsidies import rules
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.factories import RoundFactory, catalogue_trade, make_resident_id, make_user, roster_row

ROOT = Path(__file__).resolve().parents[2]


# --- The protocol ---------------------------------------------------------------------------------------------


def assert_implements_protocol(scheme: SchemeDefinition) -> None:
    """Everything the portal asks a scheme must be there: a missing piece fails here, not in production."""
    cls = type(scheme)
    assert not inspect.isabstract(cls), f"{cls.__name__} leaves {sorted(cls.__abstractmethods__)} unimplemented"
    for attribute in ("code", "label", "clause", "form_class"):
        assert getattr(cls, attribute, None), f"{cls.__name__}.{attribute} is not set"
    assert scheme.code in rules.SCHEMES, f"the rules engine does not know {scheme.code}"
    assert scheme.clause.startswith("第") and scheme.clause.endswith("条")
    for name in scheme.required.get(scheme.route({}), ()):
        assert name in scheme.form_class.base_fields, f"{cls.__name__} requires {name}, which its form lacks"
    if scheme.round_amount_field:
        assert scheme.round_amount_field in {f.name for f in Round._meta.get_fields()}
    # Every label exists in both languages (English is not the Chinese text again).
    labels = {"label": scheme.label, **{f"level {code}": label for code, label in scheme.levels.items()}}
    with translation.override("zh-hans"):
        chinese = {name: str(label) for name, label in labels.items()}
    with translation.override("en"):
        for name, label in labels.items():
            assert str(label) != chinese[name], f"{cls.__name__} {name} has no English"


@pytest.mark.parametrize("code", list(registry.SCHEMES))
def test_every_registered_scheme_implements_the_whole_protocol(code, db):
    scheme = registry.get(code)
    assert_implements_protocol(scheme)
    round = RoundFactory(scheme=code)
    form = scheme.form(round)
    assert form.fields  # the form builds for a round of the scheme
    if "level" in form.fields:
        assert [c for c, _label in form.fields["level"].choices if c] == list(scheme.levels)


def test_a_scheme_that_leaves_out_part_of_the_protocol_is_caught():
    class HalfDone(SchemeDefinition):
        code = "half_done"
        label = "半成品"
        clause = "第99条"
        form_class = object

        def claims(self, application, *, already_received=Decimal("0")):
            return []

    with pytest.raises(TypeError, match="claim_identities"):
        HalfDone()


def test_the_registry_and_the_rules_engine_know_the_same_schemes():
    assert set(registry.SCHEMES) == set(rules.SCHEMES)


def test_an_unknown_scheme_is_an_error_not_another_scheme():
    with pytest.raises(registry.UnknownScheme, match="未登记的资助类别"):
        registry.get("lottery")


def test_no_code_outside_the_registry_branches_on_a_scheme():
    found = subprocess.run(
        ["grep", "-rn", "--include=*.py", "scheme ==", "applications", "subsidies"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    ).stdout.splitlines()  # fmt: skip
    assert [line for line in found if not line.startswith("applications/schemes/")] == []


# --- Editions ---------------------------------------------------------------------------------------------------


@pytest.fixture
def edition_2030():
    """A throwaway revision of the policy with other amounts."""
    base = rules.edition(rules.DEFAULT_EDITION)
    revised = dataclasses.replace(
        base,
        code="test-2030",
        title="测试修订版（2030）",
        craftsman_title_amounts={**base.craftsman_title_amounts, "grand": Decimal("300000"), "craftsman": "20000"},
    )
    rules.register_edition(revised)
    yield revised
    rules.unregister_edition("test-2030")


def test_a_new_edition_leaves_2021_awards_and_open_applications_unchanged(edition_2030, db):
    from tests.applications.test_notices import awaiting_notice, submitted
    from tests.subsidies.test_awards import approve_through_notice

    user, approver = make_user(Role.ENTERPRISE), make_user(Role.CITY_APPROVER)
    old_round = RoundFactory()
    award_2021 = approve_through_notice(
        awaiting_notice(submitted(user, old_round, craftsman_post(level="craftsman"))), approver
    )
    open_2021 = save_draft(user, old_round, craftsman_post(level="grand", person_resident_id=make_resident_id(77)))
    assert open_2021.estimate_total == Decimal("200000.00")

    # A round of the revised edition computes with its tables, and says so on the award.
    new_round = RoundFactory(edition="test-2030")
    revised = save_draft(user, new_round, craftsman_post(level="grand", person_resident_id=make_resident_id(78)))
    assert revised.estimate_total == Decimal("300000.00")
    revised_award = approve_through_notice(awaiting_notice(services.application_submit(
        application=_with_materials(revised, user), by=user)), approver)  # fmt: skip
    assert revised_award.total == Decimal("300000.00") and revised_award.policy_edition == "test-2030"

    # The 2021 award and the open 2021 application are as they were.
    award_2021.refresh_from_db()
    assert award_2021.total == Decimal("10000.00") and award_2021.policy_edition == "huzhou-2021"
    # Saved again after the revision exists, the open 2021 draft is still priced by its round's edition.
    open_2021 = save_draft(
        user, old_round, craftsman_post(level="grand", person_resident_id=make_resident_id(77)), application=open_2021
    )
    assert open_2021.estimate_total == Decimal("200000.00")


def _with_materials(application, user):
    attach_required(application, user)
    return application


def test_a_round_names_a_known_edition_and_a_positive_amount(db):
    round = RoundFactory.build(scheme="tuition", edition="huzhou-2099", standard_amount=Decimal("0"), materials=[])
    with pytest.raises(ValidationError) as error:
        round.full_clean()
    assert "standard_amount" in error.value.message_dict and "edition" in error.value.message_dict
    assert "大于 0 元" in error.value.message_dict["standard_amount"][0]


# --- Claim identity ---------------------------------------------------------------------------------------------


def competition_post(resident_id, trade, **overrides):
    return {"person_name": "孙选手", "person_resident_id": resident_id, "trade": trade, "level": "silver",
            "role": "contestant", **overrides}  # fmt: skip


def test_the_same_medal_claimed_again_is_refused_even_by_another_employer(db):
    first, second = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme="competition")
    person = make_resident_id(501, birth="19990101")
    trade = ("数控铣", "第48届世界技能大赛")
    submitted = services.application_submit(
        application=_with_materials(save_draft(first, round, competition_post(person, trade)), first), by=first
    )
    assert submitted.claim_keys.count() == 1

    again = _with_materials(save_draft(second, round, competition_post(person, trade)), second)
    problems = services.submission_problems(again)
    assert any("已在其他申报中申领" in p for p in problems)
    assert not any(first.organisation.name in p for p in problems)  # never names the other employer
    with pytest.raises(ValidationError, match="已在其他申报中申领"):
        services.application_submit(application=again, by=second)
    again.refresh_from_db()
    assert again.state == "draft"

    # Another trade of the same competition is another claim.
    other = _with_materials(save_draft(second, round, competition_post(person, ("焊接", "第48届世界技能大赛"))), second)
    assert services.application_submit(application=other, by=second).state == "submitted"


def test_a_withdrawn_claim_frees_its_identity(db):
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme="competition")
    person, trade = make_resident_id(502), ("数控车", "第48届世界技能大赛")
    first = services.application_submit(
        application=_with_materials(save_draft(user, round, competition_post(person, trade)), user), by=user
    )
    services.application_withdraw(application=first, by=user)
    assert not ClaimKey.objects.filter(application=first).exists()
    second = _with_materials(save_draft(user, round, competition_post(person, trade)), user)
    assert services.application_submit(application=second, by=user).state == "submitted"


def test_a_trade_outside_the_catalogue_is_refused_by_the_form(db):
    form = schemes.form_for(RoundFactory(scheme="competition"), data=competition_post(make_resident_id(503), "99999"))
    assert not form.is_valid()
    assert "赛事目录" in " ".join(form.errors["trade"]) or "有效" in " ".join(form.errors["trade"])


def test_a_studio_reworded_document_number_is_the_same_claim(db):
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme="master_studio", municipal_studio_amount=Decimal("80000"))
    post = {"person_name": "钱大师", "person_resident_id": make_resident_id(504), "level": "municipal",
            "studio_name": "钱大师工作室", "document_number": "湖人社〔2026〕3号", "document_date": "2026-03-01"}  # fmt: skip
    services.application_submit(application=_with_materials(save_draft(user, round, post), user), by=user)
    reworded = {**post, "studio_name": "钱氏数控技能大师工作室", "document_number": "湖人社[2026] 3 号"}
    again = _with_materials(save_draft(user, round, reworded), user)
    with pytest.raises(ValidationError, match="已在其他申报中申领"):
        services.application_submit(application=again, by=user)


# --- Apprentices: person × month ----------------------------------------------------------------------------------


def apprentice_application(user, round, resident_id, *, start, months, filed=12):
    application = save_draft(user, round, {"training_provider": "湖州技师学院", "filing_number": "BA-1"})
    services.roster_replace(
        application=application, by=user,
        rows=[roster_row(1, "学徒甲", resident_id, "电工", 24, filed, months, start=start)],
    )  # fmt: skip
    return _with_materials(application, user)


def test_two_employers_claiming_one_apprentice_for_overlapping_months(db):
    first, second = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme="apprenticeship")
    person = make_resident_id(601, birth="20010101")
    services.application_submit(
        application=apprentice_application(first, round, person, start=(2026, 1), months=6), by=first
    )
    overlapping = apprentice_application(second, round, person, start=(2026, 3), months=6)  # 2026-03 … 2026-08
    problems = services.submission_problems(overlapping)
    assert "名册第 1 行：该学徒 2026-03 至 2026-06 已在其他申报中申领。" in problems
    with pytest.raises(ValidationError, match="2026-03 至 2026-06"):
        services.application_submit(application=overlapping, by=second)

    # The months after the first employer's are the second employer's to claim.
    later = apprentice_application(second, RoundFactory(scheme="apprenticeship"), person, start=(2026, 7), months=6)
    assert services.application_submit(application=later, by=second).state == "submitted"


def test_a_persons_months_never_exceed_the_filed_period_across_employers(db):
    first, second = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    person = make_resident_id(602, birth="20010101")
    services.application_submit(
        application=apprentice_application(first, RoundFactory(scheme="apprenticeship"), person, start=(2025, 1),
                                           months=8, filed=12), by=first)  # fmt: skip
    more = apprentice_application(second, RoundFactory(scheme="apprenticeship"), person, start=(2026, 1), months=6)
    problems = services.submission_problems(more)
    assert any("其他申报已申领 8 个月，本次最多还可申领 4 个月" in p for p in problems)


@pytest.mark.django_db(transaction=True)
def test_two_employers_submitting_one_apprentice_at_the_same_moment(reference_data):
    users = [make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)]
    round = RoundFactory(scheme="apprenticeship")
    person = make_resident_id(603, birth="20010101")
    drafts = [apprentice_application(u, round, person, start=(2026, 1 + 2 * n), months=6) for n, u in enumerate(users)]
    barrier, outcomes = threading.Barrier(2), []

    def submit(application, user):
        try:
            barrier.wait()
            services.application_submit(application=application, by=user)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(drafts, users, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert any("已在其他申报中申领" in o or "同时提交" in o for o in outcomes if o != "ok")
    assert Application.objects.filter(state="submitted").count() == 1
    claimed = ClaimKey.objects.filter(person_resident_id=person).values_list("key", flat=True)
    assert len(claimed) == 6 and len(set(claimed)) == 6


# --- The three schemes of §9 and §10 ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["tuition", "post_allowance", "living_allowance"])
def test_a_listed_person_is_claimed_once_per_scheme(code, db):
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme=code, standard_amount=Decimal("2500"))
    form = schemes.form_for(round)
    people = f"周一,{make_resident_id(701)}\n吴二,{make_resident_id(702)}"
    data = {name: "测试" for name in form.fields if name != "people"}
    data.update({"people": people, "class_type": "senior_worker", "graduation_year": "2025"})
    application = save_draft(user, round, data)
    assert application.estimate_total == Decimal("5000.00")
    services.application_submit(application=_with_materials(application, user), by=user)
    again = _with_materials(save_draft(user, round, data), user)
    with pytest.raises(ValidationError, match="已在其他申报中申领"):
        services.application_submit(application=again, by=user)


def _one_person_in_two_trades(first, second, *, seq):
    """One contestant claimed by two organisations for two trades of one competition: two live claims."""
    round, person = RoundFactory(scheme="competition"), make_resident_id(seq, birth="19990101")
    return [
        services.application_submit(
            application=_with_materials(
                save_draft(user, round, competition_post(person, (trade, "第48届世界技能大赛"))), user
            ),
            by=user,
        )  # fmt: skip
        for user, trade in ((first, "数控铣"), (second, "焊接"))
    ]


def test_the_reviewer_sees_other_claims_and_awards_of_the_same_person_in_red(client, db):
    from tests.conftest import login

    earlier, later = _one_person_in_two_trades(make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE), seq=801)
    login(client, make_user(Role.CITY_REVIEWER))
    from django.urls import reverse

    page = client.get(reverse("review-detail", args=[later.pk])).content.decode()
    assert 'data-testid="related-claims"' in page and "text-danger" in page
    assert earlier.number in page


def test_a_district_reviewer_learns_of_another_districts_claim_but_not_its_number(client, db):
    from django.urls import reverse

    from tests.conftest import login
    from tests.factories import OrganisationFactory, district

    elsewhere = make_user(Role.ENTERPRISE, organisation=OrganisationFactory(district=district("nanxun")))
    here = make_user(Role.ENTERPRISE)  # 吴兴区, the reviewer's district
    other, mine = _one_person_in_two_trades(elsewhere, here, seq=802)
    login(client, make_user(Role.DISTRICT_REVIEWER))

    page = client.get(reverse("review-detail", args=[mine.pk])).content.decode()

    assert 'data-testid="related-claims"' in page and "其他区县的申报" in page
    assert other.number not in page


# --- The data migration of existing competition applications -----------------------------------------------------


def test_old_competition_applications_are_mapped_to_the_catalogue_or_listed(db):
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("applications.migrations.0006_catalogue_seed_and_claim_keys_backfill")
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory(scheme="competition")
    catalogue_trade("数控铣", "第48届世界技能大赛", "world_skills", 2026)
    free_text = {"competition": "world_skills", "year": 2026, "level": "silver", "role": "contestant"}
    mapped = Application.objects.create(
        number="OLD-1", round=round, organisation=user.organisation, district=user.organisation.district,
        scheme="competition", created_by=user, details={**free_text, "trade": "数控铣（第48届世界技能大赛）"},
    )  # fmt: skip
    unmatched = Application.objects.create(
        number="OLD-2", round=round, organisation=user.organisation, district=user.organisation.district,
        scheme="competition", created_by=user, details={**free_text, "trade": "无人机驾驶（表演赛）"},
    )  # fmt: skip

    migration.map_competitions(django_apps, None)

    mapped.refresh_from_db()
    unmatched.refresh_from_db()
    assert mapped.details["trade"] == catalogue_trade("数控铣", "第48届世界技能大赛")
    assert "catalogue_unmatched" not in mapped.details
    # Never dropped: the free text is kept and the application is listed for the bureau.
    assert (
        unmatched.details["catalogue_unmatched"] is True and unmatched.details["trade_text"] == "无人机驾驶（表演赛）"
    )
    from applications.admin import UnmappedCompetitionFilter

    listed = UnmappedCompetitionFilter(None, {"catalogue": ["unmapped"]}, Application, None).queryset(
        None, Application.objects.all()
    )
    assert list(listed) == [unmatched]
