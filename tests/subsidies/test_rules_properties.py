"""Property tests for subsidies.rules: invariants that hold for every claim (no database)."""

import re
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies.rules import (
    APPRENTICE_MAX_STANDARD,
    COMPETITION_AWARDS,
    CRAFTSMAN_TITLES,
    MASTER_STUDIOS,
    MUNICIPAL_STUDIO_MIN_AMOUNT,
    PROVINCIAL_TITLES,
    ROLES,
    ROUND_SET_SCHEMES,
    TRAINING_BASES,
    Claim,
    Decision,
    RuleError,
    evaluate,
    scheme_maximum,
)

FEN = Decimal("0.01")


def money(min_value: str = "0", max_value: str = "300000") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=2)


def money_input(min_value: str = "0", max_value: str = "300000") -> st.SearchStrategy[object]:
    """Money as a caller may pass it: Decimal, numeric str or (whole yuan) int."""
    return money(min_value, max_value).flatmap(
        lambda d: st.sampled_from([d, str(d), int(d)] if d == d.to_integral_value() else [d, str(d)])
    )


months = st.integers(min_value=0, max_value=120)

craftsman_claims = st.builds(
    Claim,
    scheme=st.just("craftsman_title"),
    level=st.sampled_from(sorted(CRAFTSMAN_TITLES)),
    already_received=money_input(),
)
direct_recognition_claims = st.builds(
    Claim,
    scheme=st.just("craftsman_title"),
    provincial_title=st.sampled_from(sorted(PROVINCIAL_TITLES)),
    in_huzhou=st.booleans(),
    already_received=money_input(),
)
competition_claims = st.sampled_from(sorted(COMPETITION_AWARDS)).flatmap(
    lambda competition: st.builds(
        Claim,
        scheme=st.just("competition"),
        competition=st.just(competition),
        level=st.sampled_from(sorted(COMPETITION_AWARDS[competition])),
        role=st.sampled_from(sorted(ROLES)),
    )
)
training_base_claims = st.builds(Claim, scheme=st.just("training_base"), level=st.sampled_from(sorted(TRAINING_BASES)))
studio_claims = st.builds(
    Claim,
    scheme=st.just("master_studio"),
    level=st.sampled_from(sorted(MASTER_STUDIOS)),
    amount=money_input(str(MUNICIPAL_STUDIO_MIN_AMOUNT), "5000000"),
)
apprentice_claims = st.builds(
    Claim,
    scheme=st.just("apprenticeship"),
    standard=money_input("0.01", str(APPRENTICE_MAX_STANDARD)),
    trained_months=months,
    filed_months=months,
    contract_months=months,
)
round_set_claims = st.builds(
    Claim,
    scheme=st.sampled_from(sorted(ROUND_SET_SCHEMES)),
    amount=money_input("0.01", "1000000"),
)
valid_claims = st.one_of(
    craftsman_claims,
    direct_recognition_claims,
    competition_claims,
    training_base_claims,
    studio_claims,
    apprentice_claims,
    round_set_claims,
)


def maximum_for(claim: Claim) -> Decimal:
    if claim.scheme == "master_studio":
        return scheme_maximum("master_studio", municipal_amount=claim.amount)
    if claim.scheme == "apprenticeship":
        return scheme_maximum("apprenticeship", filed_months=claim.filed_months)
    if claim.scheme in ROUND_SET_SCHEMES:
        return scheme_maximum(claim.scheme, amount=claim.amount)
    return scheme_maximum(claim.scheme)


@settings(deadline=None)
@given(valid_claims)
def test_installments_always_sum_to_the_total(claim):
    decision = evaluate(claim)

    assert sum((i.amount for i in decision.installments), Decimal(0)) == decision.total
    if decision.eligible:
        assert decision.installments
        assert all(i.amount > 0 for i in decision.installments)
        assert [i.year for i in decision.installments] == list(range(1, len(decision.installments) + 1))
    else:
        assert decision.installments == ()
        assert decision.total == Decimal(0)


@settings(deadline=None)
@given(valid_claims)
def test_total_is_never_negative_nor_above_the_scheme_maximum(claim):
    decision = evaluate(claim)

    assert Decimal(0) <= decision.total <= maximum_for(claim)
    assert decision.eligible == (decision.total > 0)


@settings(deadline=None)
@given(valid_claims)
def test_total_is_quantized_to_the_fen(claim):
    decision = evaluate(claim)

    assert isinstance(decision.total, Decimal)
    assert decision.total == decision.total.quantize(FEN)
    for instalment in decision.installments:
        assert isinstance(instalment.amount, Decimal)
        assert instalment.amount.as_tuple().exponent == -2


@settings(deadline=None)
@given(valid_claims)
def test_every_decision_cites_a_clause(claim):
    decision = evaluate(claim)

    assert isinstance(decision, Decision)
    assert re.match(r"第(3|4|5|6|9|10)条 ", decision.basis)
    assert decision.edition == claim.edition == "huzhou-2021"


@settings(deadline=None)
@given(round_set_claims)
def test_a_round_set_scheme_pays_exactly_the_rounds_amount_at_once(claim):
    decision = evaluate(claim)

    assert decision.total == Decimal(str(claim.amount).strip())
    assert [i.year for i in decision.installments] == [1]


@settings(deadline=None)
@given(st.one_of(craftsman_claims.filter(lambda c: c.level == "grand"), direct_recognition_claims))
def test_grand_craftsman_is_paid_in_two_halves_at_most_one_fen_apart(claim):
    decision = evaluate(claim)
    is_grand = claim.level == "grand" or claim.provincial_title in {"zhejiang_grand", "zhejiang_outstanding"}

    if decision.eligible and is_grand:
        if decision.total >= Decimal("0.02"):
            first, second = decision.installments
            assert (first.year, second.year) == (1, 2)
            assert Decimal(0) <= first.amount - second.amount <= FEN
        else:  # a single fen cannot be halved; no empty year-2 payment line is made
            assert [(i.year, i.amount) for i in decision.installments] == [(1, FEN)]


@settings(deadline=None)
@given(craftsman_claims)
def test_highest_only_never_pays_past_the_title_amount(claim):
    decision = evaluate(claim)
    award = evaluate(Claim(scheme="craftsman_title", level=claim.level)).total
    already = Decimal(str(claim.already_received))

    assert decision.total == max(Decimal(0), award - already)
    assert already + decision.total == max(award, already)


@settings(deadline=None)
@given(apprentice_claims)
def test_apprentice_total_never_exceeds_standard_times_filed_or_trained_months(claim):
    decision = evaluate(claim)
    standard = Decimal(str(claim.standard))

    for months_ in (claim.filed_months, claim.trained_months):
        exact = standard * months_ / 12
        assert decision.total <= exact.quantize(FEN, rounding=ROUND_HALF_UP)
        assert decision.total - exact <= Decimal("0.005")
    expected = (standard * min(claim.trained_months, claim.filed_months) / 12).quantize(FEN, rounding=ROUND_HALF_UP)
    if decision.eligible:
        assert claim.contract_months >= 12
        assert decision.total == expected
    elif claim.contract_months >= 12:
        assert expected == 0  # no months to pay for, or less than a fen after rounding


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["grand", "gold", "municipal", "coach", "zhejiang_grand", "world_skills", "1e999"]),
)


@settings(deadline=None)
@given(
    st.builds(
        Claim,
        scheme=st.one_of(st.sampled_from(["craftsman_title", "competition", "training_base", "tuition"]), anything),
        level=anything,
        competition=anything,
        role=anything,
        provincial_title=anything,
        in_huzhou=anything,
        already_received=anything,
        amount=anything,
        standard=anything,
        trained_months=anything,
        filed_months=anything,
        contract_months=anything,
        edition=st.one_of(st.just("huzhou-2021"), anything),
    )
)
def test_any_claim_yields_a_decision_or_a_rule_error(claim):
    try:
        decision = evaluate(claim)
    except RuleError as error:
        assert str(error)
    else:
        assert decision.total >= 0
        assert sum((i.amount for i in decision.installments), Decimal(0)) == decision.total


@settings(deadline=None)
@given(
    st.builds(
        Claim,
        scheme=st.sampled_from(["master_studio", "apprenticeship", *sorted(ROUND_SET_SCHEMES)]),
        level=st.sampled_from(["", "municipal", "national"]),
        amount=anything,
        standard=anything,
        trained_months=st.one_of(anything, months),
        filed_months=st.one_of(anything, months),
        contract_months=st.one_of(anything, months),
    )
)
def test_money_and_months_of_any_type_yield_a_decision_or_a_rule_error(claim):
    try:
        decision = evaluate(claim)
    except RuleError as error:
        assert str(error)
    else:
        assert decision.total == decision.total.quantize(FEN) >= 0
