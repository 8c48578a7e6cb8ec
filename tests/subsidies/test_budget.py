"""The year's appropriation (资金指标): the final approval refused beyond it with the figures, exactly at it accepted,
each instalment counted against its own year, per-district appropriations, two approvals at the same moment,
finance's audited page, the review panel and the dashboard."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import notices, review
from applications.models import Application, ReviewDecision
from applications.transitions import application_transition
from applications.workflow import Action, State
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from subsidies import budget, services
from subsidies.models import Appropriation, AppropriationRevision, ApprovalCommitment
from tests.applications.conftest import craftsman_post
from tests.applications.test_notices import submitted
from tests.conftest import login
from tests.factories import OrganisationFactory, RoundFactory, district, make_award, make_resident_id, make_user

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
D = Decimal


def at_final_approval(*, seq: int, level: str = "craftsman", organisation=None) -> Application:
    """A craftsman-title application passed by the district and the city review, waiting for the final approval."""
    user = make_user(Role.ENTERPRISE, organisation=organisation or OrganisationFactory())
    data = craftsman_post(person_resident_id=make_resident_id(seq, birth="19950101"), level=level)
    application = submitted(user, RoundFactory(), data)
    for action, role in ((Action.DISTRICT_PASS, Role.DISTRICT_REVIEWER), (Action.CITY_PASS, Role.CITY_REVIEWER)):
        decider = make_user(role, district=application.district) if role == Role.DISTRICT_REVIEWER else make_user(role)
        with transaction.atomic():
            application_transition(Application.objects.select_for_update().get(pk=application.pk), action, decider)
    return Application.objects.get(pk=application.pk)


def approve(application: Application, approver=None) -> Application:
    return review.application_decide(
        application=application, action="approve", by=approver or make_user(Role.CITY_APPROVER)
    )


def appropriate(amount: str, *, year: int = YEAR, scheme: str = "craftsman_title", district=None, by=None):
    return budget.appropriation_set(
        fiscal_year=year, scheme=scheme, district=district, amount=D(amount), reason="湖财预〔2026〕12号",
        by=by or make_user(Role.FINANCE_MAKER),
    )  # fmt: skip


# --- The final approval ---------------------------------------------------------------------------------------------


def test_an_approval_beyond_the_appropriation_is_refused_with_the_figures():
    # given 1,000,000 for the year, 990,000 of it already in an award's instalment
    appropriate("1000000")
    make_award(total="990000.00", instalments=("990000.00",))
    application = at_final_approval(seq=1, level="grand")  # 200,000: 100,000 this year, 100,000 the next
    # when
    with pytest.raises(ValidationError) as refused:
        approve(application)
    # then
    assert refused.value.messages == [
        f"超出资金指标，不能批准：{YEAR}年度 湖州工匠遴选资助 资金指标 1,000,000.00 元，已承诺 990,000.00 元，"
        "剩余 10,000.00 元，本次需 100,000.00 元，超出 90,000.00 元"
    ]
    application.refresh_from_db()
    assert application.state == State.CITY_APPROVAL
    assert not ReviewDecision.objects.filter(application=application, stage="city_approval").exists()
    assert not ApprovalCommitment.objects.exists()
    event = AuditEvent.objects.get(action="application.approve_refused")
    assert event.target_id == str(application.pk) and "超出 90,000.00 元" in event.reason
    assert event.data["amounts_by_year"] == {str(YEAR): "100000.00", str(YEAR + 1): "100000.00"}


def test_an_approval_exactly_at_the_limit_passes_and_its_promise_counts_until_the_award():
    appropriate("1000000")
    make_award(total="990000.00", instalments=("990000.00",))
    application = approve(at_final_approval(seq=2))  # a 湖州工匠: 10,000, exactly what is left
    assert application.state == State.AWAITING_NOTICE
    assert budget.budget_overview(YEAR)[0].left == D("0.00")
    assert list(ApprovalCommitment.objects.values_list("fiscal_year", "amount")) == [(YEAR, D("10000.00"))]
    # The next one finds nothing left, although the first one has no award yet (its notice has not even opened).
    with pytest.raises(ValidationError, match="剩余 0.00 元，本次需 10,000.00 元，超出 10,000.00 元"):
        approve(at_final_approval(seq=3))
    # The award replaces the promise: counted once, not twice.
    notice = notices.notice_open(applications=[application], title="公示", by=make_user(Role.CITY_APPROVER))
    services.notice_close(notice=notice, by=None)
    line = budget.budget_overview(YEAR)[0]
    assert (line.usage.awarded, line.usage.promised, line.left) == (D("1000000.00"), D("0.00"), D("0.00"))


def test_an_objection_during_the_notice_releases_the_promise():
    appropriate("10000")
    application = approve(at_final_approval(seq=4))
    assert budget.budget_overview(YEAR)[0].usage.committed == D("10000.00")
    approver = make_user(Role.CITY_APPROVER)
    notice = notices.notice_open(applications=[application], title="公示", by=approver)
    assert notice is not None
    application = Application.objects.get(pk=application.pk)
    application_transition(application, Action.OBJECT, approver, reason="群众反映业绩不实")
    assert budget.budget_overview(YEAR)[0].usage.committed == D("0.00")


def test_the_second_instalment_counts_against_its_own_year():
    # An earlier grand craftsman: 100,000 this year and 100,000 next year.
    make_award(total="200000.00", instalments=("100000.00", "100000.00"), level="grand")
    appropriate("150000", year=YEAR + 1)  # this year has no appropriation: no cap
    this_year, next_year = budget.budget_overview(YEAR)[0], budget.budget_overview(YEAR + 1)[0]
    assert (this_year.appropriation, this_year.usage.committed) == (None, D("100000.00"))
    assert (next_year.usage.committed, next_year.left) == (D("100000.00"), D("50000.00"))
    with pytest.raises(ValidationError) as refused:
        approve(at_final_approval(seq=5, level="grand"))
    assert refused.value.messages == [
        f"超出资金指标，不能批准：{YEAR + 1}年度 湖州工匠遴选资助 资金指标 150,000.00 元，已承诺 100,000.00 元，"
        "剩余 50,000.00 元，本次需 100,000.00 元，超出 50,000.00 元"
    ]
    # A 湖州工匠 is paid at once, this year: next year's appropriation does not concern it.
    assert approve(at_final_approval(seq=6)).state == State.AWAITING_NOTICE


def test_a_district_appropriation_caps_that_district_only_and_both_apply_with_a_citywide_one():
    wuxing, nanxun = district("wuxing"), district("nanxun")
    appropriate("15000", district=wuxing)
    make_award(organisation=OrganisationFactory(district=wuxing), total="10000.00", instalments=("10000.00",))
    # Another district has no appropriation of its own, and there is no city-wide one: no cap.
    assert approve(at_final_approval(seq=7, organisation=OrganisationFactory(district=nanxun))).state == (
        State.AWAITING_NOTICE
    )
    with pytest.raises(ValidationError) as refused:
        approve(at_final_approval(seq=8, organisation=OrganisationFactory(district=wuxing)))
    assert refused.value.messages == [
        f"超出资金指标，不能批准：{YEAR}年度 吴兴区 湖州工匠遴选资助 资金指标 15,000.00 元，已承诺 10,000.00 元，"
        "剩余 5,000.00 元，本次需 10,000.00 元，超出 5,000.00 元"
    ]
    # A city-wide appropriation counts every district together: 10,000 (吴兴) + 10,000 (南浔, promised) are committed.
    appropriate("25000")
    problems = budget.budget_check(scheme="craftsman_title", district=nanxun, amounts_by_year={YEAR: D("10000.00")})
    assert problems == [
        f"{YEAR}年度 湖州工匠遴选资助 资金指标 25,000.00 元，已承诺 20,000.00 元，剩余 5,000.00 元，"
        "本次需 10,000.00 元，超出 5,000.00 元"
    ]
    assert budget.budget_check(scheme="craftsman_title", district=nanxun, amounts_by_year={YEAR: D("5000")}) == []
    assert budget.budget_check(scheme="competition", district=nanxun, amounts_by_year={YEAR: D("9" * 9)}) == []


@pytest.mark.django_db(transaction=True)
def test_two_final_approvals_at_the_same_moment_cannot_both_pass_when_only_one_fits(reference_data, monkeypatch):
    appropriate("15000")
    applications = [at_final_approval(seq=9), at_final_approval(seq=10)]  # 10,000 each
    approvers = [make_user(Role.CITY_APPROVER), make_user(Role.CITY_APPROVER)]
    # Both approvals have made their move and reach the budget check together, each in its own open transaction:
    # the moment where two checks without a lock would each see the other's money as still free.
    barrier = threading.Barrier(2, timeout=30)

    def both_at_the_check(**kwargs):
        barrier.wait()

    monkeypatch.setattr(review, "FINAL_APPROVAL_CHECKS", [both_at_the_check, *review.FINAL_APPROVAL_CHECKS])
    outcomes = []

    def run(application, approver):
        try:
            approve(Application.objects.get(pk=application.pk), approver)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(applications, approvers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    (refusal,) = [o for o in outcomes if o != "ok"]
    assert "已承诺 10,000.00 元，剩余 5,000.00 元，本次需 10,000.00 元，超出 5,000.00 元" in refusal
    assert Application.objects.filter(state=State.AWAITING_NOTICE).count() == 1
    assert AuditEvent.objects.filter(action="application.approve_refused").count() == 1
    assert budget.budget_overview(YEAR)[0].usage.committed == D("10000.00")


def test_no_appropriation_means_no_cap():
    make_award(total="990000.00", instalments=("990000.00",))
    assert approve(at_final_approval(seq=11, level="grand")).state == State.AWAITING_NOTICE
    assert budget.budget_check(scheme="craftsman_title", district=district(), amounts_by_year={YEAR: D("1e9")}) == []


# --- The appropriation itself --------------------------------------------------------------------------------------


def test_setting_and_revising_keep_every_value_with_who_why_and_before_after():
    maker, checker = make_user(Role.FINANCE_MAKER), make_user(Role.FINANCE_CHECKER)
    row = appropriate("500000", by=maker)
    row = budget.appropriation_set(
        fiscal_year=YEAR, scheme="craftsman_title", district=None, amount=D("800000.00"), reason="追加预算", by=checker
    )
    assert row.amount == D("800000.00") and Appropriation.objects.count() == 1
    revisions = list(AppropriationRevision.objects.values_list("number", "previous_amount", "amount", "made_by"))
    assert revisions == [(1, None, D("500000.00"), maker.pk), (2, D("500000.00"), D("800000.00"), checker.pk)]
    first, second = AuditEvent.objects.filter(action__startswith="budget.").order_by("id")
    assert (first.action, first.data["before"], first.data["after"]) == ("budget.appropriation_set", None, "500000.00")
    assert (second.action, second.data["before"], second.data["after"]) == (
        "budget.appropriation_revise", "500000.00", "800000.00",
    )  # fmt: skip
    assert second.reason == "追加预算" and second.actor == checker


def test_an_appropriation_below_what_is_committed_is_refused_and_the_refusal_audited():
    appropriate("100000")
    make_award(total="60000.00", instalments=("60000.00",))
    with pytest.raises(ValidationError) as refused:
        appropriate("50000")
    assert refused.value.messages == [
        f"{YEAR}年度 湖州工匠遴选资助 已承诺 60,000.00 元，资金指标不能低于已承诺金额（本次填写 50,000.00 元）。"
    ]
    assert Appropriation.objects.get().amount == D("100000.00") and AppropriationRevision.objects.count() == 1
    event = AuditEvent.objects.get(action="budget.appropriation_refused")
    assert (event.data["before"], event.data["after"], event.data["committed"]) == ("100000.00", "50000.00", "60000.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": D("0")}, "资金指标须大于 0 元"),
        ({"amount": D("-5")}, "资金指标须大于 0 元"),
        ({"amount": D("1.005")}, "最多两位小数"),
        ({"amount": D("NaN")}, "资金指标须大于 0 元"),
        ({"reason": "  "}, "必须填写理由"),
        ({"scheme": "lottery"}, "未知的资助类别"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(changes, message):
    arguments = {"fiscal_year": YEAR, "scheme": "craftsman_title", "district": None, "amount": D("100"),
                 "reason": "预算", "by": make_user(Role.FINANCE_MAKER), **changes}  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        budget.appropriation_set(**arguments)
    assert not Appropriation.objects.exists()


def test_only_finance_sets_an_appropriation():
    with pytest.raises(PermissionDenied, match="只有财务人员"):
        appropriate("100", by=make_user(Role.CITY_APPROVER))


def test_the_database_holds_one_appropriation_per_year_scheme_and_district_and_never_a_non_positive_one():
    wuxing = district("wuxing")
    Appropriation.objects.create(fiscal_year=YEAR, scheme="competition", district=None, amount=D("1"))
    Appropriation.objects.create(fiscal_year=YEAR, scheme="competition", district=wuxing, amount=D("1"))
    for duplicate in ({"district": None}, {"district": wuxing}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appropriation.objects.create(fiscal_year=YEAR, scheme="competition", amount=D("2"), **duplicate)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appropriation.objects.create(fiscal_year=YEAR + 1, scheme="competition", amount=D("0"))


# --- Pages -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "get", "post"),
    [
        (Role.FINANCE_MAKER, 200, 302),
        (Role.FINANCE_CHECKER, 200, 302),
        (Role.AUDITOR, 200, 403),
        (Role.ENTERPRISE, 403, 403),
        (Role.DISTRICT_REVIEWER, 403, 403),
        (Role.CITY_APPROVER, 403, 403),
        (Role.ADMINISTRATOR, 403, 403),
    ],
)
def test_the_budget_page_is_finances(client, role, get, post):
    login(client, make_user(role))
    assert client.get(reverse("finance-budget")).status_code == get
    data = {"fiscal_year": YEAR, "scheme": "competition", "district": "", "amount": "300000", "reason": "年初预算"}
    assert client.post(reverse("finance-budget-set"), data).status_code == post
    assert Appropriation.objects.filter(scheme="competition").exists() == (post == 302)


def test_the_budget_page_sets_revises_and_lists_with_the_unset_schemes_marked(client):
    login(client, make_user(Role.FINANCE_MAKER))
    make_award(total="200000.00", instalments=("100000.00", "100000.00"), level="grand")
    data = {"fiscal_year": YEAR, "scheme": "craftsman_title", "district": "", "amount": "1000000", "reason": ""}
    page = client.post(reverse("finance-budget-set"), data)
    assert page.status_code == 200 and not Appropriation.objects.exists()  # the reason is required
    response = client.post(reverse("finance-budget-set"), {**data, "reason": "湖财预〔2026〕12号"}, follow=True)
    html = response.content.decode()
    assert "已设定" in html and "1,000,000.00" in html and "900,000.00" in html  # left after 100,000 this year
    assert "未设资金指标，不限额" in html and "湖财预〔2026〕12号" in html
    response = client.post(reverse("finance-budget-set"), {**data, "amount": "50000", "reason": "压减"}, follow=True)
    assert "资金指标不能低于已承诺金额" in response.content.decode()
    assert Appropriation.objects.get().amount == D("1000000.00")
    assert AuditEvent.objects.filter(action="budget.appropriation_refused").count() == 1


def test_the_review_page_shows_appropriation_committed_and_left(client):
    appropriate("1000000")
    make_award(total="990000.00", instalments=("990000.00",))
    application = at_final_approval(seq=12, level="grand")
    login(client, make_user(Role.CITY_APPROVER))
    html = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    assert 'data-testid="budget-panel"' in html
    assert "1,000,000.00" in html and "990,000.00" in html and "10,000.00" in html  # appropriation, committed, left
    assert "超出剩余额度，不能批准" in html
    assert f"{YEAR + 1}年度" in html and "未设资金指标，不限额" in html  # the second instalment's year has none


def test_the_dashboard_shows_this_years_appropriation_committed_paid_and_left(client):
    appropriate("50000", scheme="competition")
    make_award(total="20000.00", instalments=("20000.00",), scheme="competition", level="gold")
    login(client, make_user(Role.CITY_APPROVER))
    html = client.get(reverse("dashboard")).content.decode()
    table = html.split('data-testid="table-budget"')[1].split("</table>")[0]
    assert "技能竞赛奖励" in table and "50,000.00" in table and "20,000.00" in table and "30,000.00" in table
    assert "未设资金指标，不限额" in table


def test_the_budget_page_reads_in_english(client):
    login(client, make_user(Role.FINANCE_MAKER))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("finance-budget")).content.decode()
    assert f"Appropriations {YEAR}" in html and "No appropriation set: no cap" in html


def test_the_budget_page_runs_the_same_queries_for_one_appropriation_or_many(client):
    login(client, make_user(Role.FINANCE_CHECKER))
    appropriate("100000")
    client.get(reverse("finance-budget"))  # the first request of a session writes it; count the ones after
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("finance-budget")).status_code == 200
    for code in ("wuxing", "nanxun", "anji"):
        appropriate("50000", district=district(code))
        appropriate("60000", district=district(code))
        make_award(organisation=OrganisationFactory(district=district(code)), total="100.00", instalments=("100.00",))
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("finance-budget")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
