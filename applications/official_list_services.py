"""Writes of 免申即享: importing an official list, matching its rows to people and organisations, turning them into
offers, and the organisation's confirmation (or refusal) of an offer.

An import is all or nothing: every row is checked first and every problem is reported at once. Importing the same
list again adds nothing: the list is unique by its source document number, each row by its identity within it, and
a second import waits for the first on the list's row lock (or its unique index) before it looks.
"""

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.bank_selectors import payee_account_for
from huzhou_craftsman.accounts.bank_services import bank_account_propose
from huzhou_craftsman.accounts.models import Organisation, User
from huzhou_craftsman.accounts.services import audit_record
from subsidies import rules

from . import schemes
from .claims import claim_keys_register
from .models import Application, ApplicationVersion, ClaimKey, Notification, Person, Round
from .notifications import OFFERS_WAITING, notification_row
from .official_list_rows import ListRow, RowChecker, read_rows
from .official_lists import KIND_SCHEMES, UNMATCHED, ListKind, OfficialList, OfficialListRow, RowStatus
from .schemes.base import normalise_document_number
from .transitions import application_transition
from .workflow import ANSWERABLE_STATES, Action, State

# Who imports lists (and reads the unmatched rows): the city-level review, which holds the provincial and national
# documents, and the administrator. Approvers do not import what they later approve.
HUZHOU_DIVISION = "3305"  # the first four digits of the registration authority's division code (USCC chars 3–6)
BATCH = 1000


@dataclass(frozen=True)
class ImportOutcome:
    official_list: OfficialList
    created: bool
    rows_added: int
    offered: int
    unmatched: int


# --- Import -----------------------------------------------------------------------------------------------------


def list_problems(*, kind: str, round: Round, document_number: str, document_date) -> list[str]:
    """What is wrong with a list's header data (kind, round, source document), before any row is read."""
    problems = []
    if kind not in ListKind.values:
        return [_("未知的名单类别。")]
    if round.scheme not in KIND_SCHEMES[ListKind(kind)]:
        problems.append(
            _("“%(kind)s”不能按“%(round)s”（%(scheme)s）计发，请选择对应类别的批次。")
            % {"kind": ListKind(kind).label, "round": round.title, "scheme": round.get_scheme_display()}
        )
    if not normalise_document_number(document_number):
        problems.append(_("请填写来源文件文号。"))
    if document_date is None or document_date > timezone.localdate():
        problems.append(_("来源文件日期不能晚于今天。"))
    return problems


def official_list_import(
    *, kind: str, round: Round, document_number: str, document_date, upload, by: User, request=None
) -> ImportOutcome:
    """Import an official list: check every row, then store the list, its rows and the offers they make, or nothing."""
    require(by, "official_list.import")
    problems = list_problems(kind=kind, round=round, document_number=document_number, document_date=document_date)
    if problems:
        raise ValidationError(problems)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    rows = read_rows(upload, kind)  # the header is checked here, before anything is written
    return _store(kind=kind, round=round, document_number=document_number.strip(), document_date=document_date,
                  upload=upload, digest=digest.hexdigest(), rows=rows, by=by, request=request)  # fmt: skip


class _Refused(Exception):
    """Some row is wrong: the import's transaction is rolled back and every error is reported."""


def _store(*, kind, round, document_number, document_date, upload, digest, rows, by, request) -> ImportOutcome:
    """Stream the rows into the database a batch at a time, in one transaction, checking each as it comes; at the
    end either everything is committed or, when any row was wrong, nothing (and every error is reported).

    Memory does not grow with the list: what a row is checked against — the rows before it (a row repeated, one ID
    under two names) — is looked up among the rows already written in this transaction, not held in Python.
    """
    checker = RowChecker(kind, round.scheme)
    saved_file = None
    try:
        with transaction.atomic():
            official_list, created = _list_get_or_create(
                kind=kind, round=round, document_number=document_number,
                document_key=normalise_document_number(document_number), document_date=document_date,
                upload=upload, digest=digest, by=by,
            )  # fmt: skip
            saved_file = official_list.file.name if created else None
            if not created and (official_list.kind != kind or official_list.round_id != round.pk):
                raise ValidationError(
                    _("文号“%(number)s”的名单已于 %(t)s 按“%(kind)s”导入，类别或计发批次不同，不能合并。")
                    % {"number": official_list.document_number, "kind": official_list.get_kind_display(),
                       "t": timezone.localtime(official_list.imported_at).strftime("%Y-%m-%d %H:%M")}
                )  # fmt: skip
            tally = _Tally(before=official_list.rows.aggregate(last=Max("pk"))["last"] or 0)
            batch = []
            for number, cells in rows:
                row = checker.check(number, cells)
                if row is not None:
                    batch.append(row)
                if len(batch) == BATCH:
                    _store_batch(official_list, batch, checker, tally, by=by)
                    batch = []
            _store_batch(official_list, batch, checker, tally, by=by)
            if tally.rows == 0 and not checker.errors:
                checker.errors.append((0, _("名单中没有数据行。")))
            if checker.errors:
                raise _Refused
            _notify(tally.offers_by_organisation)
            audit_record(
                action="official_list.import" if tally.added else "official_list.reimport",
                actor=by, target=official_list, request=request,
                data={"document": document_number, "kind": kind, "rows": tally.rows, "rows_added": tally.added,
                      "offered": tally.offered, "unmatched": tally.unmatched, "sha256": digest},
            )  # fmt: skip
    except BaseException as error:
        if saved_file:  # the transaction made no list: its copy of the file goes too
            official_list.file.storage.delete(saved_file)
        if isinstance(error, _Refused):
            raise ValidationError(checker.messages()) from None
        raise
    return ImportOutcome(official_list, created, tally.added, tally.offered, tally.unmatched)


@dataclass
class _Tally:
    before: int  # the last row id of the list before this import: rows after it were written by this import
    rows: int = 0
    added: int = 0
    offered: int = 0
    unmatched: int = 0
    offers_by_organisation: Counter = field(default_factory=Counter)


def _store_batch(official_list, batch: list[ListRow], checker: RowChecker, tally: _Tally, *, by) -> None:
    """Check a batch of rows against the rows before them and the people already registered, then write them (rows
    always, so later batches are checked against them; offers only while no row anywhere was wrong)."""
    if not batch:
        return
    tally.rows += len(batch)
    new = _new_rows(official_list, batch, checker, tally)
    people, created = _people_ensure(official_list, new, checker, tally)
    organisations = {o.uscc: o for o in Organisation.objects.filter(uscc__in={r.uscc for r in new if r.uscc})}
    records = [_record(official_list, row, people, organisations) for row in new]
    if not checker.errors:
        matched = [r for r in records if r.organisation is not None]
        for offer in _make_offers(official_list, matched, by=by, new_people=created):
            tally.offers_by_organisation[offer.organisation_id] += 1
            tally.offered += 1
    OfficialListRow.objects.bulk_create(records, batch_size=BATCH)
    tally.added += len(records)
    tally.unmatched += sum(1 for r in records if r.status in UNMATCHED)


def _new_rows(official_list, batch: list[ListRow], checker: RowChecker, tally: _Tally) -> list[ListRow]:
    """The rows of the batch the list does not hold yet. A row already in the list from an earlier import is left
    alone (importing again changes nothing); a row repeating an earlier row of this file is an error."""
    first: dict[str, int] = {}
    for row in batch:
        first.setdefault(row.key, row.row_number)
    stored = {
        key: (pk, number)
        for key, pk, number in official_list.rows.filter(row_key__in=list(first)).values_list(
            "row_key", "pk", "row_number"
        )
    }
    new = []
    for row in batch:
        pk, number = stored.get(row.key, (None, first[row.key]))
        if pk is not None and pk <= tally.before:
            continue  # imported before
        if number != row.row_number:
            checker.error(row.row_number, _("与第 %(first)s 行重复。") % {"first": number})
            continue
        new.append(row)
    return new


def _people_ensure(official_list, rows: list[ListRow], checker: RowChecker, tally: _Tally):
    """The Person of every resident ID of the rows, created when new, and the ids of those created now; a name that
    differs from the one registered (or from the one an earlier row of the same file gave) is an error."""
    wanted: dict[str, ListRow] = {}
    for row in rows:
        if not row.resident_id:
            continue
        first = wanted.setdefault(row.resident_id, row)
        if first.name != row.name:
            checker.error(
                row.row_number,
                _("同一身份证号在第 %(first)s 行的姓名不同。") % {"first": first.row_number},
            )
    known = {
        p.resident_id: p for p in Person.objects.filter(resident_id__in=list(wanted)).only("pk", "resident_id", "name")
    }
    for resident_id, row in wanted.items():
        person = known.get(resident_id)
        if person is None or person.name == row.name:
            continue
        earlier = (
            official_list.rows.filter(pk__gt=tally.before, resident_id=resident_id)
            .order_by("row_number").values_list("row_number", flat=True).first()
        )  # fmt: skip
        if earlier is not None:
            checker.error(row.row_number, _("同一身份证号在第 %(first)s 行的姓名不同。") % {"first": earlier})
        else:
            checker.error(row.row_number, _("姓名与该身份证号已登记的姓名不一致，请核对名单。"))
    missing = [Person(resident_id=rid, name=row.name) for rid, row in wanted.items() if rid not in known]
    before = set(known)
    if missing:
        Person.objects.bulk_create(missing, ignore_conflicts=True, batch_size=BATCH)
        known |= {
            p.resident_id: p
            for p in Person.objects.filter(resident_id__in=[p.resident_id for p in missing]).only(
                "pk", "resident_id", "name"
            )
        }
    return known, {p.pk for rid, p in known.items() if rid not in before}


def _list_get_or_create(*, kind, round, document_number, document_key, document_date, upload, digest, by):
    """The list of this source document, locked; created (with its file kept) if it is new.

    Two imports of one document at once: the second one's insert waits on the unique index until the first
    commits, then finds the first one's list and rows.
    """
    found = OfficialList.objects.select_for_update().filter(document_key=document_key).first()
    if found is not None:
        return found, False
    official_list = OfficialList(
        kind=kind, round=round, document_number=document_number, document_key=document_key,
        document_date=document_date, original_name=(upload.name or "list.xlsx")[-255:], sha256=digest,
        imported_by=by,
    )  # fmt: skip
    official_list.file.save("list.xlsx", upload, save=False)
    try:
        with transaction.atomic():
            official_list.save()
    except IntegrityError:
        official_list.file.delete(save=False)  # the other import kept its own copy
        return OfficialList.objects.select_for_update().get(document_key=document_key), False
    return official_list, True


def _record(official_list, row: ListRow, people, organisations) -> OfficialListRow:
    organisation = organisations.get(row.uscc) if row.uscc else None
    if organisation is not None:
        status = RowStatus.OFFERED  # provisional: the offer decides
    elif not row.uscc or row.uscc[2:6] != HUZHOU_DIVISION:
        status = RowStatus.OUTSIDE_CITY
    else:
        status = RowStatus.UNREGISTERED
    return OfficialListRow(
        official_list=official_list, row_key=row.key, row_number=row.row_number, name=row.name,
        resident_id=row.resident_id, uscc=row.uscc, organisation_name=row.organisation_name, level=row.level,
        provincial_title=row.provincial_title, in_huzhou_basis=row.in_huzhou_basis, title_year=row.title_year,
        trade_id=row.trade_id, role=row.role, studio_name=row.studio_name, status=status,
        organisation=organisation, person=people.get(row.resident_id),
    )  # fmt: skip


# --- Offers -----------------------------------------------------------------------------------------------------


def _details(official_list: OfficialList, row: OfficialListRow) -> dict:
    """The application's details as its scheme reads them, from the row and the list's source document."""
    source = {"official_list": official_list.pk, "document_number": official_list.document_number,
              "document_date": official_list.document_date.isoformat()}  # fmt: skip
    kind = official_list.kind
    if kind == ListKind.PROVINCIAL_TITLES:
        return {**source, "route": "direct", "provincial_title": row.provincial_title, "title_year": row.title_year,
                "in_huzhou_basis": row.in_huzhou_basis}  # fmt: skip
    if kind in (ListKind.COMPETITION_RESULTS, ListKind.NATIONAL_SQUAD):
        trade = row.trade
        return {**source, "trade": trade.pk, "level": row.level, "role": row.role, "team_members": [],
                "competition_edition": trade.edition_id, "competition": trade.edition.competition,
                "year": trade.edition.year}  # fmt: skip
    return {**source, "level": row.level, "studio_name": row.studio_name}


def _received_by_person(scheme, person_ids) -> dict[int, Decimal]:
    """就高: what each person already holds in active awards of the scheme, in one query."""
    if not person_ids or not scheme.counts_already_received():
        return {}
    totals = (
        Application.objects.filter(person_id__in=person_ids, scheme=scheme.code, award__state="active")
        .values("person_id").annotate(total=Sum("award__total"))
    )  # fmt: skip
    return {t["person_id"]: t["total"] for t in totals}


def _allocate_ids(n: int) -> list[int]:
    """Reserve ``n`` application ids from the table's sequence, so numbers are set in the one insert."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Application._meta.db_table, n],
        )
        return [value for (value,) in cursor.fetchall()]


def _make_offers(
    official_list: OfficialList, records: list[OfficialListRow], *, by: User, new_people=frozenset()
) -> list[Application]:
    """Turn matched rows into offers (state ``offered``); set each row's status and offer. Rows are saved by the
    caller. The rules engine says what each is worth, counting what the person already holds (就高)."""
    rnd = official_list.round
    scheme = schemes.get(rnd.scheme)
    trade_ids = {r.trade_id for r in records if r.trade_id}
    if trade_ids:  # a competition list: its rows name catalogue trades, read once for all of them
        from .catalogue import CompetitionTrade

        trades = CompetitionTrade.objects.select_related("edition").in_bulk(trade_ids)
        for record in records:
            if record.trade_id:
                record.trade = trades[record.trade_id]
    received = _received_by_person(scheme, {r.person_id for r in records if r.person_id})
    drafts, keys_seen, memo = [], _offered_keys(official_list, scheme, records, new_people), {}
    for record in records:
        application = Application(
            round=rnd, organisation=record.organisation, district_id=record.organisation.district_id,
            scheme=rnd.scheme, person=record.person, state=State.OFFERED, details=_details(official_list, record),
            created_by=by,
        )  # fmt: skip
        application.level = scheme.effective_level(application)
        already = received.get(record.person_id, Decimal("0"))
        try:
            claims = tuple(scheme.claims(application, already_received=already))
            decisions = memo.get(claims)
            if decisions is None:  # a list repeats a handful of claims thousands of times: each is evaluated once
                decisions = memo[claims] = [rules.evaluate(c) for c in claims]
            decision = scheme.combine(application, decisions)
        except rules.RuleError as error:
            record.status, record.note = RowStatus.NOT_DUE, str(error)[:300]
            continue
        if decision.total <= 0:
            record.status, record.note = RowStatus.NOT_DUE, decision.basis[:300]
            continue
        application.estimate_total, application.estimate_basis = decision.total, decision.basis
        if already:
            application.estimate_basis += _("（已计入此前获得的同类资助 %(r)s 元，按就高不重复原则）") % {
                "r": f"{already:,.2f}"
            }
        keys = [identity.key for identity in scheme.claim_identities(application)]
        if keys_seen.intersection(keys):
            record.status, record.note = RowStatus.CLAIMED, _("名单中已有同一申领事项的另一行。")
            continue
        keys_seen.update(keys)
        drafts.append((record, application, keys))
    taken = set(ClaimKey.objects.filter(key__in=list(keys_seen)).values_list("key", flat=True)) if keys_seen else set()
    offers = []
    for record, application, keys in drafts:
        if taken.intersection(keys):
            record.status, record.note = RowStatus.CLAIMED, _("该事项已在其他申报中申领或已获资助。")
            continue
        offers.append((record, application))
    for (record, application), pk in zip(offers, _allocate_ids(len(offers)), strict=True):
        application.pk = pk
        application.number = f"HZGJ{rnd.year}{pk:06d}"
        record.status, record.offer = RowStatus.OFFERED, application
    Application.objects.bulk_create([a for _r, a in offers], batch_size=BATCH)
    return [a for _r, a in offers]


def _offered_keys(official_list: OfficialList, scheme, records: list[OfficialListRow], new_people) -> set[str]:
    """The claim keys of the list's earlier offers to the same people (or, for a list of organisations, to the same
    organisations): a row claiming one of them again is the same claim twice. Asked of the database per batch, so an
    import holds no set of every claim in the list; people created by this batch cannot have any."""
    people = {r.person_id for r in records if r.person_id and r.person_id not in new_people}
    organisations = {r.organisation_id for r in records if not r.person_id and r.organisation_id}
    if not people and not organisations:
        return set()
    earlier = Application.objects.filter(
        Q(person_id__in=people) | Q(person__isnull=True, organisation_id__in=organisations),
        official_row__official_list=official_list,
    ).select_related("person")
    return {identity.key for offer in earlier for identity in scheme.claim_identities(offer)}


def _notify(counts: Counter) -> None:
    """One message per organisation: how many awards wait for its confirmation (organisation id → offers)."""
    Notification.objects.bulk_create(
        notification_row(organisation_id=org, kind=OFFERS_WAITING, params={"n": n}) for org, n in counts.items()
    )


def _offer_pending(pending: list[OfficialListRow], organisations: dict[str, Organisation]) -> list[Application]:
    """Turn locked unmatched rows whose organisation is now known into offers, as an import would have (the list's
    importer makes them); rows of organisations still unknown stay as they are. Saves the rows it changed."""
    matched = [row for row in pending if row.uscc in organisations]
    if not matched:
        return []
    by_list = defaultdict(list)
    for row in matched:
        row.organisation = organisations[row.uscc]
        row.note = ""
        by_list[row.official_list].append(row)
    made = []
    for official_list, rows in by_list.items():
        made += _make_offers(official_list, rows, by=official_list.imported_by)
    OfficialListRow.objects.bulk_update(matched, ["organisation", "status", "note", "offer"], batch_size=BATCH)
    _notify(Counter(offer.organisation_id for offer in made))
    return made


def _locked_unmatched(rows):
    # The row lock makes this idempotent: a second match waits, then no longer finds the rows the first one offered
    # (PostgreSQL re-checks the status of a row it waited for), so no row ever gets two offers.
    return list(
        rows.filter(status__in=UNMATCHED).exclude(uscc="")
        .select_related("official_list__round", "person").select_for_update(of=("self",))
    )  # fmt: skip


@transaction.atomic
def official_rows_match(*, organisation: Organisation, by: User | None = None, request=None) -> int:
    """Offer an organisation what waits for it in lists imported before it was known; return how many offers."""
    pending = _locked_unmatched(OfficialListRow.objects.filter(uscc=organisation.uscc))
    if not pending:
        return 0
    made = _offer_pending(pending, {organisation.uscc: organisation})
    audit_record(
        action="official_list.match", actor=by, actor_name="" if by else "system", target=organisation,
        request=request, data={"rows": len(pending), "offered": len(made)},
    )  # fmt: skip
    return len(made)


def organisation_known(*, organisation: Organisation, by: User | None = None, request=None, **_kwargs) -> None:
    """Hook for ``accounts.services.ORGANISATION_KNOWN_HOOKS``: an organisation that registers, is verified or is
    created by staff finds its offers at once."""
    official_rows_match(organisation=organisation, by=by, request=request)


@transaction.atomic
def official_list_rematch(*, official_list: OfficialList, by: User, request=None) -> tuple[int, int]:
    """重新匹配: look again for the organisations of a list's unmatched rows (known since, however they came to be)
    and offer what is due; return (rows still unmatched, offers made)."""
    require(by, "official_list.import")
    pending = _locked_unmatched(official_list.rows.all())
    usccs = {row.uscc for row in pending}
    organisations = {o.uscc: o for o in Organisation.objects.filter(uscc__in=usccs)} if usccs else {}
    made = _offer_pending(pending, organisations)
    remaining = official_list.rows.filter(status__in=UNMATCHED).count()
    audit_record(
        action="official_list.rematch", actor=by, target=official_list, request=request,
        data={"rows": len(pending), "organisations": len(organisations), "offered": len(made),
              "unmatched": remaining},
    )  # fmt: skip
    return remaining, len(made)


# --- The organisation's answer ----------------------------------------------------------------------------------


def _locked_offer(application: Application, by: User) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("person", "round").get(pk=application.pk)
    )
    require(by, "application.act", application)
    require(by, "application.apply")
    if application.state not in ANSWERABLE_STATES:
        raise ValidationError(_("这项资助当前状态为“%(state)s”，无需再确认。") % {"state": application.public_state})
    return application


def offer_problems(application: Application) -> list[str]:
    """Everything that keeps an offer from being confirmed now (empty: it can be)."""
    problems = []
    if not application.organisation.is_verified:
        problems.append(_("本单位尚未通过区县人力社保部门认定，认定后方可确认领取。"))
    if application.person_id and application.definition.payee(application) == schemes.Payee.PERSON:
        payee = payee_account_for(person_resident_id=application.person.resident_id)
        if payee.verified is None and payee.pending is None:
            problems.append(_("请填写领奖人本人的银行账户（须为本人姓名的个人账户或社会保障卡金融账户）。"))
    return problems


@transaction.atomic
def offer_payee_account_propose(*, application: Application, details: dict, proof, by: User, request=None):
    """Propose the person's own account (对私) for an offer: the only thing an offer asks of the organisation."""
    application = _locked_offer(application, by)
    if application.person_id is None or application.definition.payee(application) != schemes.Payee.PERSON:
        raise ValidationError(_("这项资助拨付给单位，无需填写个人账户。"))
    return bank_account_propose(
        person_resident_id=application.person.resident_id, person_name=application.person.name, details=details,
        proof=proof, by=by, reason=_("随免申即享资助 %(number)s 填写") % {"number": application.number},
        request=request,
    )  # fmt: skip


@transaction.atomic
def offer_confirm(*, application: Application, by: User, request=None) -> Application:
    """Confirm an offer: its claim is registered and it goes to the district's check (no materials, no scoring)."""
    application = _locked_offer(application, by)
    problems = offer_problems(application)
    if problems:
        raise ValidationError(problems)
    if application.person_id is not None:
        Person.objects.select_for_update().filter(pk=application.person_id).first()
    received = Decimal("0")
    if application.definition.counts_already_received() and application.person_id:
        received = _received_by_person(application.definition, {application.person_id}).get(
            application.person_id, received
        )
    decision = schemes.decide(application, already_received=received)
    if decision.total <= 0:
        raise ValidationError(_("按就高不重复原则，该人员已获得不低于此项的资助，本项无应发金额。"))
    application.estimate_total = decision.total
    claim_keys_register(application)
    application.submitted_at = timezone.now()
    application.version += 1
    application.save(update_fields=["estimate_total", "submitted_at", "version"])
    application_transition(application, Action.CONFIRM, by, request=request)
    person = application.person
    ApplicationVersion.objects.create(
        application=application, number=application.version, submitted_by=by,
        snapshot={"number": application.number, "scheme": application.scheme, "level": application.level,
                  "details": application.details, "estimate_total": str(application.estimate_total),
                  "estimate_basis": application.estimate_basis, "attachments": [], "apprentices": [],
                  "person": {"name": person.name, "resident_id": person.resident_id} if person else None},
    )  # fmt: skip
    return application


@transaction.atomic
def offer_decline(*, application: Application, by: User, reason: str = "", request=None) -> Application:
    """Decline an offer (the person has left, or does not want it); it can no longer be confirmed."""
    application = _locked_offer(application, by)
    return application_transition(application, Action.DECLINE, by, reason=reason, request=request)
