"""免申即享: the bureau imports an official list; its rows become offers the organisation confirms (no application,
no materials); a short review path (district check, city approval, notice) ends in an award paid to the person."""

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from openpyxl import load_workbook

from applications import official_list_rows
from applications import official_list_services as lists
from applications.models import Application, ClaimKey, OfficialList, OfficialListRow, Person
from applications.official_lists import RowStatus
from applications.review import application_decide
from applications.workflow import Action, State
from huzhou_craftsman.accounts.models import AuditEvent, District, Organisation
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import organisation_register
from huzhou_craftsman.exports import xlsx_append
from subsidies import payments
from subsidies.payment_models import PaymentLine
from tests.applications.conftest import craftsman_post
from tests.applications.test_notices import awaiting_notice, submitted
from tests.factories import (
    OrganisationFactory,
    RoundFactory,
    catalogue_trade,
    make_resident_id,
    make_uscc,
    make_user,
    verified_person_account,
)
from tests.subsidies.test_awards import approve_through_notice

pytestmark = pytest.mark.django_db

TITLE_HEADER = official_list_rows.COLUMNS["provincial_titles"]


def xlsx(header, rows, name="名单.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    xlsx_append(sheet, header)
    for row in rows:
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def title_row(seq, organisation, title="浙江工匠", basis="在湖申报入选", name=None):
    uscc = organisation.uscc if hasattr(organisation, "uscc") else organisation
    return [name or f"工匠{seq}", make_resident_id(seq, birth="19800101"), "某单位", uscc, title, "2025", basis]


def import_titles(reviewer, round, rows, document="浙人社发〔2026〕12号"):
    return lists.official_list_import(
        kind="provincial_titles", round=round, document_number=document, document_date=date(2026, 11, 1),
        upload=xlsx(TITLE_HEADER, rows), by=reviewer,
    )  # fmt: skip


@pytest.fixture
def reviewer():
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def title_round():
    return RoundFactory(scheme="craftsman_title", title="2026年度省级称号直接认定")


def test_an_import_makes_offers_for_registered_organisations_and_lists_the_rest(reviewer, title_round):
    # given two registered organisations and one that is not, and a person working outside the city
    first, second = OrganisationFactory(), OrganisationFactory()
    unregistered = make_uscc(9001)
    rows = [
        title_row(1, first, "浙江大工匠"),
        title_row(2, first, "浙江工匠"),
        title_row(3, second, "浙江青年工匠"),
        title_row(4, unregistered),
        title_row(5, "", "浙江工匠"),  # no employer in the city on the list (moved away)
    ]
    # when
    outcome = import_titles(reviewer, title_round, rows)
    # then
    assert (outcome.created, outcome.rows_added, outcome.offered, outcome.unmatched) == (True, 5, 3, 2)
    offers = Application.objects.filter(state=State.OFFERED).order_by("pk")
    assert [(o.organisation_id, o.level, o.estimate_total) for o in offers] == [
        (first.pk, "grand", Decimal("200000.00")),
        (first.pk, "craftsman", Decimal("10000.00")),
        (second.pk, "youth", Decimal("5000.00")),
    ]
    assert all(
        o.number == f"HZGJ2026{o.pk:06d}" and o.official_row.official_list == outcome.official_list for o in offers
    )
    assert offers[0].details["route"] == "direct" and offers[0].details["document_number"] == "浙人社发〔2026〕12号"
    statuses = dict(OfficialListRow.objects.values_list("row_number", "status"))
    assert statuses == {2: "offered", 3: "offered", 4: "offered", 5: "unregistered", 6: "outside_city"}
    assert Person.objects.filter(name__startswith="工匠").count() == 5
    assert first.notifications.get().message.startswith("您有 2 项免申即享资助待确认")
    assert AuditEvent.objects.get(action="official_list.import").data["offered"] == 3
    assert outcome.official_list.file.read()[:2] == b"PK"  # the list's own file is kept


def test_importing_the_same_list_again_changes_nothing(reviewer, title_round):
    organisation = OrganisationFactory()
    rows = [title_row(1, organisation), title_row(2, organisation, "浙江青年工匠")]
    import_titles(reviewer, title_round, rows)
    counts = (OfficialList.objects.count(), OfficialListRow.objects.count(), Application.objects.count(),
              Person.objects.count())  # fmt: skip

    # the same document written differently (half-width brackets, spaces) is the same document
    again = import_titles(reviewer, title_round, rows, document="浙人社发[2026] 12号")

    assert (again.created, again.rows_added, again.offered) == (False, 0, 0)
    assert counts == (OfficialList.objects.count(), OfficialListRow.objects.count(), Application.objects.count(),
                      Person.objects.count())  # fmt: skip
    assert AuditEvent.objects.filter(action="official_list.reimport").count() == 1


def test_a_list_with_bad_rows_saves_nothing_and_names_every_error(reviewer, title_round):
    organisation = OrganisationFactory()
    Person.objects.create(resident_id=make_resident_id(7, birth="19800101"), name="张三")
    rows = [
        title_row(1, organisation),
        ["王五", "330502198001010000", "某单位", organisation.uscc, "浙江工匠", "2025", "在湖申报入选"],  # checksum
        title_row(3, "91330502ABCDEFGH12", "浙江工匠"),  # USCC
        title_row(4, organisation, "浙江金牌工匠"),  # not a provincial title
        title_row(5, organisation, basis="外地"),
        title_row(1, organisation),  # the first row again
        title_row(7, organisation, name="李四"),  # the ID is registered as 张三
    ]
    with pytest.raises(ValidationError) as caught:
        import_titles(reviewer, title_round, rows)
    messages = caught.value.messages
    assert [m.split("：")[0] for m in messages] == ["第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行", "第 8 行"]
    assert "“浙江金牌工匠”不在可选范围内" in messages[2] and "与第 2 行重复" in messages[4]
    assert messages[5] == "第 8 行：姓名与该身份证号已登记的姓名不一致，请核对名单。"  # found in the same pass
    with pytest.raises(ValidationError) as caught:  # the row data are right now; only the name clash is left
        import_titles(reviewer, title_round, [title_row(1, organisation), title_row(7, organisation, name="李四")])
    assert caught.value.messages == ["第 3 行：姓名与该身份证号已登记的姓名不一致，请核对名单。"]
    assert (OfficialList.objects.count(), OfficialListRow.objects.count(), Application.objects.count()) == (0, 0, 0)


def stored_lists() -> set[str]:
    return set(default_storage.listdir("official-lists")[1]) if default_storage.exists("official-lists") else set()


def test_rows_are_checked_against_the_rows_before_them_across_batches(reviewer, title_round, monkeypatch):
    # the import writes a batch at a time and checks each row against what it wrote before (memory stays flat):
    # a repeat or a second name for one ID is found however far apart the rows are, and nothing is kept
    monkeypatch.setattr(lists, "BATCH", 2)
    organisation = OrganisationFactory()
    rows = [title_row(n, organisation) for n in range(1, 6)]
    rows += [
        title_row(1, organisation),
        title_row(2, organisation, "浙江青年工匠", name="别名"),
        title_row(6, organisation),
    ]
    files_before = stored_lists()
    with pytest.raises(ValidationError) as caught:
        import_titles(reviewer, title_round, rows)
    assert caught.value.messages == ["第 7 行：与第 2 行重复。", "第 8 行：同一身份证号在第 3 行的姓名不同。"]
    assert (OfficialList.objects.count(), OfficialListRow.objects.count(), Person.objects.count()) == (0, 0, 0)
    assert stored_lists() == files_before  # the refused list's file is not kept either

    # without the two wrong rows, and with one person named for two titles of one level in batches apart: one offer
    first, again = title_row(1, organisation, "浙江大工匠"), title_row(1, organisation, "浙江杰出工匠")
    outcome = import_titles(reviewer, title_round, [first, *rows[1:5], again, rows[7]])
    assert (outcome.rows_added, outcome.offered) == (7, 6)
    assert OfficialListRow.objects.get(row_number=7).status == RowStatus.CLAIMED


def test_only_the_city_review_or_an_administrator_imports_and_the_round_must_fit(title_round):
    organisation = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        import_titles(make_user(Role.CITY_APPROVER), title_round, [title_row(1, organisation)])
    with pytest.raises(ValidationError, match="不能按"):
        import_titles(make_user(Role.ADMINISTRATOR), RoundFactory(scheme="competition"), [title_row(1, organisation)])


def test_an_organisation_that_registers_later_finds_its_offers(reviewer, title_round, client):
    uscc = make_uscc(9002)
    import_titles(reviewer, title_round, [title_row(1, uscc)])
    assert not Application.objects.exists()

    template = OrganisationFactory.build(uscc=uscc, district=OrganisationFactory().district)
    user = organisation_register(
        organisation=template, username="newcomer", password="Correct-Horse-42", full_name="新单位", email=""
    )

    offer = Application.objects.get(organisation=user.organisation)
    assert offer.state == State.OFFERED and offer.estimate_total == Decimal("10000.00")
    assert OfficialListRow.objects.get().status == RowStatus.OFFERED
    assert AuditEvent.objects.filter(action="official_list.match").exists()


def test_the_highest_title_only_against_an_earlier_award(reviewer, title_round):
    # given a person who was already paid 湖州工匠 (10,000) through an application
    enterprise = make_user(Role.ENTERPRISE)
    resident_id = make_resident_id(1, birth="19800101")
    earlier = submitted(enterprise, RoundFactory(), craftsman_post(person_resident_id=resident_id, person_name="工匠1"))
    approve_through_notice(awaiting_notice(earlier), make_user(Role.CITY_APPROVER))
    # when the province names the same person 浙江大工匠 (→ 湖州大工匠, 200,000)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation, "浙江大工匠")])
    # then the offer is the difference, and a lower title is not due at all
    offer = Application.objects.get(state=State.OFFERED)
    assert offer.estimate_total == Decimal("190000.00") and "就高不重复" in offer.estimate_basis
    import_titles(
        reviewer, title_round, [title_row(1, enterprise.organisation, "浙江青年工匠")], document="浙人社发〔2026〕13号"
    )
    row = OfficialListRow.objects.get(provincial_title="zhejiang_youth")
    assert row.status == RowStatus.NOT_DUE and row.offer is None


def test_an_offer_confirmed_goes_the_short_path_and_the_person_is_paid(reviewer, title_round):
    enterprise = make_user(Role.ENTERPRISE)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation, "浙江大工匠")])
    offer = Application.objects.get(state=State.OFFERED)

    # the offer asks for the person's own account first
    with pytest.raises(ValidationError, match="领奖人本人的银行账户"):
        lists.offer_confirm(application=offer, by=enterprise)
    verified_person_account(offer.person)
    lists.offer_confirm(application=offer, by=enterprise)
    offer.refresh_from_db()
    assert offer.state == State.LIST_CHECK and offer.submitted_at is not None
    assert ClaimKey.objects.filter(application=offer, key=f"craftsman_title:grand:{offer.person.resident_id}").exists()
    with pytest.raises(ValidationError, match="无需再确认"):
        lists.offer_confirm(application=offer, by=enterprise)

    district = make_user(Role.DISTRICT_REVIEWER, district=offer.district)
    application_decide(application=offer, action=Action.LIST_CHECK_PASS, by=district)
    offer.refresh_from_db()
    assert offer.state == State.CITY_APPROVAL  # no merit review
    application_decide(application=offer, action=Action.APPROVE, by=make_user(Role.CITY_APPROVER))
    award = approve_through_notice(Application.objects.get(pk=offer.pk), make_user(Role.CITY_APPROVER))

    assert (award.total, award.payee_kind, award.person_id) == (Decimal("200000.00"), "person", offer.person_id)
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=make_user(Role.FINANCE_MAKER))
    (line,) = batch.lines.all()
    assert line.payee_kind == PaymentLine.PayeeKind.PERSONAL
    assert (line.account_name, line.payee_id_number) == (offer.person.name, offer.person.resident_id)
    actions = list(AuditEvent.objects.filter(target_id=str(offer.pk), target_type="applications.application")
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions[:3] == ["application.confirm", "application.list_check_pass", "application.approve"]


def test_an_offer_already_claimed_by_an_application_is_not_offered_twice(reviewer, title_round):
    enterprise = make_user(Role.ENTERPRISE)
    submitted(enterprise, RoundFactory(), craftsman_post(
        person_resident_id=make_resident_id(1, birth="19800101"), person_name="工匠1", level="craftsman"))  # fmt: skip
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation, "浙江工匠")])
    assert OfficialListRow.objects.get().status == RowStatus.CLAIMED
    assert not Application.objects.filter(state=State.OFFERED).exists()


def test_declining_an_offer_and_other_organisations_cannot_touch_it(reviewer, title_round):
    enterprise = make_user(Role.ENTERPRISE)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation)])
    offer = Application.objects.get(state=State.OFFERED)
    with pytest.raises(PermissionDenied):
        lists.offer_confirm(application=offer, by=make_user(Role.ENTERPRISE))
    lists.offer_decline(application=offer, by=enterprise, reason="人员已离职")
    offer.refresh_from_db()
    assert offer.state == State.WITHDRAWN


def test_a_competition_list_uses_the_catalogue(reviewer):
    enterprise = make_user(Role.ENTERPRISE)
    catalogue_trade("数控铣", "第48届世界技能大赛", "world_skills", 2026)
    header = official_list_rows.COLUMNS["competition_results"]
    person = [f"选手{1}", make_resident_id(31, birth="20000101"), "某单位", enterprise.organisation.uscc]
    rows = [[*person, "第48届世界技能大赛", "数控铣", "金牌", "选手"],
            [*person, "第48届世界技能大赛", "花式调酒", "金牌", "选手"]]  # fmt: skip
    round = RoundFactory(scheme="competition")
    kwargs = {"kind": "competition_results", "round": round, "document_number": "人社部函〔2026〕8号",
              "document_date": date(2026, 10, 1), "by": reviewer}  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        lists.official_list_import(upload=xlsx(header, rows), **kwargs)
    assert caught.value.messages == [
        "第 3 行：赛事“第48届世界技能大赛”的竞赛项目“花式调酒”不在赛事目录中，请先在目录中登记。"
    ]
    lists.official_list_import(upload=xlsx(header, rows[:1]), **kwargs)
    offer = Application.objects.get(state=State.OFFERED)
    assert (offer.estimate_total, offer.details["competition"], offer.details["role"]) == (
        Decimal("1000000.00"), "world_skills", "contestant")  # fmt: skip


def test_the_template_of_each_kind_has_the_columns_the_reader_expects():
    for kind, columns in official_list_rows.COLUMNS.items():
        sheet = load_workbook(io.BytesIO(official_list_rows.template(kind))).worksheets[0]
        assert [c.value for c in sheet[1]] == columns


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_list_at_once_create_one_set(reference_data):
    reviewer, round = make_user(Role.CITY_REVIEWER), RoundFactory(scheme="craftsman_title")
    organisation = OrganisationFactory()
    rows = [title_row(n, organisation) for n in range(1, 30)]
    barrier, outcomes, failures = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            outcomes.append(import_titles(reviewer, round, rows))
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(o.created for o in outcomes) == [False, True]
    assert sorted(o.rows_added for o in outcomes) == [0, 29]
    assert (OfficialList.objects.count(), OfficialListRow.objects.count()) == (1, 29)
    assert Application.objects.filter(state=State.OFFERED).count() == 29
    assert Organisation.objects.count() == 1 and transaction.get_autocommit()


# --- Pages ------------------------------------------------------------------------------------------------------


def test_the_bureau_imports_through_the_page_and_follows_up_unmatched_rows(client, title_round):
    from django.urls import reverse

    from tests.conftest import login

    reviewer = make_user(Role.CITY_REVIEWER)
    login(client, reviewer)
    template = client.get(reverse("official-list-template", args=["provincial_titles"]))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    organisation, unregistered = OrganisationFactory(), make_uscc(9003)
    response = client.post(reverse("official-list-index"), {
        "kind": "provincial_titles", "round": title_round.pk, "document_number": "浙人社发〔2026〕20号",
        "document_date": "2026-11-01", "file": xlsx(TITLE_HEADER, [title_row(1, organisation), title_row(2, unregistered)]),
    }, follow=True)  # fmt: skip
    official_list = OfficialList.objects.get()
    assert response.redirect_chain[-1][0] == reverse("official-list-detail", args=[official_list.pk])
    assert "已导入 2 行：生成待确认资助 1 项，未匹配 1 行。" in response.content.decode()

    unmatched = client.get(reverse("official-list-unmatched")).content.decode()
    assert unregistered in unmatched
    letter = client.get(reverse("official-list-letter", args=[unregistered])).content.decode()
    assert "免申即享" in letter and "浙江工匠" in letter and "/register/" in letter
    download = client.get(reverse("official-list-file", args=[official_list.pk]))
    assert download.status_code == 200 and AuditEvent.objects.filter(action="official_list.download").exists()

    bad = client.post(reverse("official-list-index"), {
        "kind": "provincial_titles", "round": title_round.pk, "document_number": "浙人社发〔2026〕21号",
        "document_date": "2026-11-01", "file": xlsx(TITLE_HEADER, [title_row(3, organisation, "省劳模")]),
    })  # fmt: skip
    assert "所有行均未保存" in bad.content.decode() and "“省劳模”不在可选范围内" in bad.content.decode()
    assert OfficialList.objects.count() == 1

    login(client, make_user(Role.CITY_APPROVER))
    assert client.post(reverse("official-list-index"), {}).status_code == 403


def test_the_enterprise_sees_its_offer_and_confirms_it_on_the_page(client, reviewer, title_round):
    from django.urls import reverse

    from tests.conftest import login

    enterprise = make_user(Role.ENTERPRISE)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation, "浙江大工匠")])
    offer = Application.objects.get(state=State.OFFERED)
    login(client, enterprise)
    home = client.get(reverse("enterprise-home")).content.decode()
    assert "待确认资助（免申即享）" in home and reverse("offer-detail", args=[offer.pk]) in home
    page = client.get(reverse("offer-detail", args=[offer.pk])).content.decode()
    assert "200,000.00" in page and "第 2 年" in page and "领奖人本人账户" in page

    client.post(reverse("offer-confirm", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.state == State.OFFERED  # no account yet: refused with the reason
    client.post(reverse("offer-payee", args=[offer.pk]), {
        "account_type": "personal", "account_name": offer.person.name, "account_number": "6217000010001234567",
        "bank_name": "中国工商银行湖州分行", "cnaps_code": "102336000015",
        "proof": SimpleUploadedFile("卡.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    })  # fmt: skip
    client.post(reverse("offer-confirm", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.state == State.LIST_CHECK

    login(client, make_user(Role.ENTERPRISE))  # another organisation
    assert client.get(reverse("offer-detail", args=[offer.pk])).status_code == 404


def test_the_policy_calculator_is_public_and_answers_from_the_rules_engine(client):
    from django.urls import reverse

    page = client.get(reverse("policy-calculator"))
    assert page.status_code == 200 and "浙江大工匠" in page.content.decode()
    answer = client.get(reverse("policy-calculator"), {"item": "provincial:zhejiang_grand", "edition": "huzhou-2021"})
    text = answer.content.decode()
    assert "200,000.00" in text and "第 1 年：100,000.00 元" in text and "对私" in text and "第3条" in text
    team = client.get(reverse("policy-calculator"),
                      {"item": "competition:world_skills:gold:expert_team", "edition": "huzhou-2021"})  # fmt: skip
    assert "500,000.00" in team.content.decode() and "对公" in team.content.decode()
    top_up = client.get(reverse("policy-calculator"),
                    {"item": "craftsman_title:grand", "edition": "huzhou-2021", "already_received": "10000"})  # fmt: skip
    assert "190,000.00" in top_up.content.decode()
    assert "<script>" not in text


# --- Matching beyond registration -------------------------------------------------------------------------------


def test_an_organisation_known_by_verification_finds_its_offers_once(reviewer, title_round):
    from huzhou_craftsman.accounts.services import organisation_verify

    # given rows waiting for an organisation that came into the portal without the hook (older data, a bulk load)
    uscc = make_uscc(9004)
    import_titles(reviewer, title_round, [title_row(1, uscc), title_row(2, uscc, "浙江青年工匠")])
    organisation = OrganisationFactory(uscc=uscc, is_verified=False)
    assert not Application.objects.exists()
    # when its district verifies it
    organisation_verify(organisation=organisation, by=make_user(Role.DISTRICT_REVIEWER, district=organisation.district))
    # then its rows are offers, made by the list's importer, and recorded as the reviewer's doing
    offers = Application.objects.filter(organisation=organisation, state=State.OFFERED)
    assert offers.count() == 2 and {o.created_by for o in offers} == {reviewer}
    assert set(OfficialListRow.objects.values_list("status", flat=True)) == {RowStatus.OFFERED}
    event = AuditEvent.objects.get(action="official_list.match")
    assert event.actor.role == Role.DISTRICT_REVIEWER and event.data == {"rows": 2, "offered": 2}
    # and matching again (another hook call, the bureau's rematch) never makes a second offer for a row
    assert lists.official_rows_match(organisation=organisation) == 0
    assert lists.official_list_rematch(official_list=OfficialList.objects.get(), by=reviewer) == (0, 0)
    assert Application.objects.count() == 2


def test_an_organisation_created_in_the_admin_finds_its_offers(reviewer, title_round, client):
    from django.urls import reverse

    from tests.conftest import login
    from tests.factories import district

    uscc = make_uscc(9005)
    import_titles(reviewer, title_round, [title_row(1, uscc, "浙江大工匠")])
    administrator = make_user(Role.ADMINISTRATOR, is_staff=True)
    login(client, administrator)
    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "湖州后台录入企业有限公司", "uscc": uscc, "district": district().pk, "contact_name": "王",
         "contact_mobile": "13905720001", "bank_account_name": "湖州后台录入企业有限公司",
         "bank_account_number": "33050161627000007777", "bank_name": "建设银行", "bank_cnaps_code": "105336000012"},
    )  # fmt: skip
    assert response.status_code == 302
    organisation = Organisation.objects.get(uscc=uscc)
    offer = Application.objects.get(organisation=organisation)
    assert offer.state == State.OFFERED and offer.estimate_total == Decimal("200000.00")
    assert AuditEvent.objects.filter(action="organisation.create", actor=administrator).exists()
    assert AuditEvent.objects.get(action="official_list.match").actor == administrator
    assert organisation.notifications.get().message.startswith("您有 1 项免申即享资助待确认")


def test_an_organisation_whose_uscc_is_corrected_in_the_admin_finds_its_offers(reviewer, title_round, client):
    from django.urls import reverse

    from tests.accounts.test_admin_readonly import form_data
    from tests.conftest import login

    uscc = make_uscc(9006)
    import_titles(reviewer, title_round, [title_row(1, uscc)])
    organisation = OrganisationFactory()  # registered with a mistyped code
    login(client, make_user(Role.ADMINISTRATOR, is_staff=True))
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    data = form_data(client.get(url))
    data["uscc"] = uscc
    assert client.post(url, data).status_code == 302
    assert Application.objects.get().organisation == organisation


def test_the_bureau_rematches_a_list_from_the_unmatched_page(client, reviewer, title_round):
    from django.urls import reverse

    from tests.conftest import login

    known_later, never = make_uscc(9007), make_uscc(9008)
    outcome = import_titles(reviewer, title_round, [title_row(1, known_later), title_row(2, never)])
    OrganisationFactory(uscc=known_later)  # known since, without any hook (e.g. loaded by a data migration)
    login(client, reviewer)
    page = client.get(reverse("official-list-unmatched")).content.decode()
    rematch = reverse("official-list-rematch", args=[outcome.official_list.pk])
    assert rematch in page and "重新匹配" in page

    response = client.post(rematch, follow=True)
    assert "生成待确认资助 1 项，仍未匹配 1 行" in response.content.decode()
    assert Application.objects.get().organisation.uscc == known_later
    event = AuditEvent.objects.get(action="official_list.rematch")
    assert event.actor == reviewer and event.data["offered"] == 1 and event.data["unmatched"] == 1
    client.post(rematch)  # again: nothing new
    assert Application.objects.count() == 1 and AuditEvent.objects.filter(action="official_list.rematch").count() == 2

    login(client, make_user(Role.CITY_APPROVER))  # reads lists, does not import or rematch them
    assert client.post(rematch).status_code == 403
    assert rematch not in client.get(reverse("official-list-unmatched")).content.decode()


# --- Return for correction at the district's check ------------------------------------------------------------------


def test_the_district_returns_a_confirmed_offer_and_the_enterprise_corrects_and_confirms_again(
    client, reviewer, title_round
):
    from django.urls import reverse

    from tests.conftest import login

    enterprise = make_user(Role.ENTERPRISE)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation, "浙江大工匠")])
    offer = Application.objects.get(state=State.OFFERED)
    account = {"account_type": "personal", "account_name": offer.person.name, "bank_name": "中国工商银行湖州分行",
               "cnaps_code": "102336000015"}  # fmt: skip
    proof = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    login(client, enterprise)
    client.post(reverse("offer-payee", args=[offer.pk]),
                {**account, "account_number": "6217000010001234567", "proof": SimpleUploadedFile("卡.pdf", proof)})  # fmt: skip
    client.post(reverse("offer-confirm", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.state == State.LIST_CHECK

    # the district reviewer sends it back from the review page: a reason is required
    district = make_user(Role.DISTRICT_REVIEWER, district=offer.district)
    login(client, district)
    review = client.get(reverse("review-detail", args=[offer.pk])).content.decode()
    assert "区县核对退回单位更正" in review
    client.post(reverse("review-decide", args=[offer.pk]), {"action": "list_check_return", "reason": " "})
    offer.refresh_from_db()
    assert offer.state == State.LIST_CHECK
    client.post(reverse("review-decide", args=[offer.pk]),
                {"action": "list_check_return", "reason": "银行卡影像模糊无法辨认，请重新上传"})  # fmt: skip
    offer.refresh_from_db()
    assert offer.state == State.LIST_RETURNED
    assert ClaimKey.objects.filter(application=offer).exists()  # its claim stays while it is being corrected
    assert "银行卡影像模糊无法辨认" in enterprise.organisation.notifications.order_by("-pk").first().message

    # the enterprise reads the reason, enters the account again and confirms again
    login(client, enterprise)
    home = client.get(reverse("enterprise-home")).content.decode()
    assert "被退回更正" in home and reverse("offer-detail", args=[offer.pk]) in home
    page = client.get(reverse("offer-detail", args=[offer.pk])).content.decode()
    assert "银行卡影像模糊无法辨认，请重新上传" in page and "更正后重新确认领取" in page
    client.post(reverse("offer-payee", args=[offer.pk]),
                {**account, "account_number": "6217000010007654321", "proof": SimpleUploadedFile("卡2.pdf", proof)})  # fmt: skip
    client.post(reverse("offer-confirm", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.state == State.LIST_CHECK and offer.version == 2
    assert ClaimKey.objects.filter(application=offer).count() == 1

    # the same reviewer checks it again (one stage) and passes it
    application_decide(application=offer, action=Action.LIST_CHECK_PASS, by=district)
    offer.refresh_from_db()
    assert offer.state == State.CITY_APPROVAL
    events = list(AuditEvent.objects.filter(target_id=str(offer.pk), target_type="applications.application")
                  .exclude(action="bank_account.propose").order_by("pk").values_list("action", "reason"))  # fmt: skip
    assert events == [
        ("application.confirm", ""),
        ("application.list_check_return", "银行卡影像模糊无法辨认，请重新上传"),
        ("application.confirm", ""),
        ("application.list_check_pass", ""),
    ]


def test_only_the_district_returns_an_offer_and_a_returned_offer_may_be_declined(reviewer, title_round):
    enterprise = make_user(Role.ENTERPRISE)
    import_titles(reviewer, title_round, [title_row(1, enterprise.organisation)])
    offer = Application.objects.get(state=State.OFFERED)
    verified_person_account(offer.person)
    lists.offer_confirm(application=offer, by=enterprise)
    with pytest.raises(PermissionDenied, match="您的角色不能"):
        application_decide(application=offer, action=Action.LIST_CHECK_RETURN, by=make_user(Role.CITY_APPROVER),
                           reason="x")  # fmt: skip
    other = make_user(Role.DISTRICT_REVIEWER, district=District.objects.exclude(pk=offer.district_id).first())
    with pytest.raises(PermissionDenied, match="不属于您的区县"):
        application_decide(application=offer, action=Action.LIST_CHECK_RETURN, by=other, reason="x")
    district = make_user(Role.DISTRICT_REVIEWER, district=offer.district)
    application_decide(application=offer, action=Action.LIST_CHECK_RETURN, by=district, reason="人员信息需核实")
    lists.offer_decline(application=Application.objects.get(pk=offer.pk), by=enterprise, reason="人员已离职")
    offer.refresh_from_db()
    assert offer.state == State.WITHDRAWN and not ClaimKey.objects.filter(application=offer).exists()


# --- The invitation letter as a PDF -----------------------------------------------------------------------------


def test_the_bureau_downloads_the_invitation_letter_as_a_pdf(client, reviewer, title_round):
    from django.urls import reverse

    from tests.conftest import login
    from tests.subsidies.test_documents import pdf_text

    uscc = make_uscc(9009)
    outcome = import_titles(
        reviewer, title_round, [title_row(1, uscc, "浙江大工匠", name="沈小红"), title_row(2, uscc)]
    )
    OfficialListRow.objects.update(organisation_name="湖州待注册精工有限公司")
    login(client, reviewer)
    url = reverse("official-list-letter-pdf", args=[uscc])
    assert url in client.get(reverse("official-list-unmatched")).content.decode()
    assert url in client.get(reverse("official-list-letter", args=[uscc])).content.decode()  # the HTML preview

    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and f"invitation-{uscc}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "关于登录湖州工匠资助平台确认资助的函" in text and "湖州待注册精工有限公司" in text and uscc in text
    assert "沈小红" in text and "浙江大工匠" in text and "浙人社发〔2026〕12号" in text and "/register/" in text
    assert "湖州市人力资源和社会保障局" in text and "扫码核验" not in text  # no QR code: not an approval document
    event = AuditEvent.objects.get(action="official_list.letter_download")
    assert (
        event.actor == reviewer
        and event.data["rows"] == 2
        and event.data["official_lists"] == [outcome.official_list.pk]
    )

    assert client.get(reverse("official-list-letter-pdf", args=[make_uscc(9010)])).status_code == 404
    login(client, make_user(Role.ENTERPRISE))
    assert client.get(url).status_code == 403


# --- What each person could claim -------------------------------------------------------------------------------


def test_the_enterprise_sees_per_person_what_is_held_and_what_a_higher_title_would_add(client, reviewer, title_round):
    from django.urls import reverse

    from applications.official_list_selectors import people_claims
    from tests.conftest import login

    # given a person awarded 湖州工匠 (10,000) through an application, and another offered 湖州青年工匠 from a list
    enterprise = make_user(Role.ENTERPRISE)
    earlier = submitted(enterprise, RoundFactory(), craftsman_post(
        person_resident_id=make_resident_id(1, birth="19800101"), person_name="钱立新"))  # fmt: skip
    approve_through_notice(awaiting_notice(earlier), make_user(Role.CITY_APPROVER))
    import_titles(reviewer, title_round, [title_row(2, enterprise.organisation, "浙江青年工匠", name="孙小梅")])
    # and a person of another organisation, who is not shown
    submitted(make_user(Role.ENTERPRISE), RoundFactory(), craftsman_post(person_resident_id=make_resident_id(3)))

    people = {p.name: p for p in people_claims(enterprise.organisation)}
    assert set(people) == {"钱立新", "孙小梅"}
    held = people["钱立新"].held
    assert [(h.state, h.amount, h.is_award) for h in held] == [("已获资助", Decimal("10000.00"), True)]
    # 就高: only the grand title pays more than the 10,000 held, and only the difference
    assert [(t.label, t.amount) for t in people["钱立新"].top_ups] == [("湖州大工匠", Decimal("190000"))]
    offered = people["孙小梅"]
    assert offered.held[0].amount == Decimal("5000.00") and not offered.held[0].is_award
    # what waits for her counts as if awarded: 湖州工匠 would add 5,000 to the 5,000 offered, 湖州青年工匠 nothing
    assert [(t.label, t.amount) for t in offered.top_ups] == [
        ("湖州大工匠", Decimal("195000")), ("湖州工匠", Decimal("5000")), ("湖州乡村工匠", Decimal("5000"))
    ]  # fmt: skip

    login(client, enterprise)
    home = client.get(reverse("enterprise-home")).content.decode()
    assert reverse("people-claims") in home  # the home links to it and stays a short read
    page = client.get(reverse("people-claims")).content.decode()
    assert "本单位人员：已有资助与更高称号还可获得" in page and "+190,000.00" in page and "钱立新" in page
    assert "孙小梅" in page and make_resident_id(3) not in page


def test_the_people_page_shows_everyone_a_page_at_a_time_in_the_order_of_the_entered_names(client, monkeypatch):
    from django.urls import reverse

    from applications import official_list_selectors
    from tests.conftest import login

    monkeypatch.setattr(official_list_selectors, "PEOPLE_PAGE", 2)
    enterprise = make_user(Role.ENTERPRISE)
    names = {11: "丁五", 12: "丙四", 13: "乙三", 14: "甲二", 15: "王一"}
    for seq, name in names.items():
        submitted(
            enterprise, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(seq), person_name=name)
        )
    # a person registered under another name (another organisation typed it first) is listed by the name entered here
    Person.objects.filter(resident_id=make_resident_id(15)).update(name="张未录")

    pages = [official_list_selectors.people_claims(enterprise.organisation, n) for n in (1, 2, 3)]
    shown = [p.name for page in pages for p in page]
    assert shown == sorted(names.values()) and len(set(shown)) == 5  # nobody lost, nobody twice
    assert [len(page.object_list) for page in pages] == [2, 2, 1] and pages[0].paginator.count == 5

    login(client, enterprise)
    second = client.get(reverse("people-claims"), {"page": 2}).content.decode()
    assert "共 5 人" in second and "第 2 / 3 页" in second and "张未录" not in second
    assert all(name in second for name in shown[2:4]) and not any(name in second for name in shown[:2])
    assert client.get(reverse("people-claims"), {"page": "x"}).status_code == 200  # a bad page number: the first
