"""Submission: completeness, deadline, verification, duplicates (also under real concurrency), withdrawal,
the correction loop and the version history."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationVersion, ClaimKey, Notification
from applications.transitions import application_transition
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.factories import RoundFactory, make_resident_id, make_user, pdf_upload

pytestmark = pytest.mark.django_db


def test_submit_moves_to_district_review_and_freezes_a_version(ready_application, enterprise_user):
    submitted = services.application_submit(application=ready_application, by=enterprise_user)
    assert submitted.state == "submitted" and submitted.version == 1
    version = ApplicationVersion.objects.get(application=submitted)
    assert version.snapshot["details"]["level"] == "craftsman"
    assert version.snapshot["attachments"][0]["sha256"]
    event = AuditEvent.objects.get(action="application.submit")
    assert (event.from_state, event.to_state, event.actor) == ("draft", "submitted", enterprise_user)


def test_every_problem_is_listed_at_once(enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, {"route": "selection"})
    with pytest.raises(ValidationError) as error:
        services.application_submit(application=application, by=enterprise_user)
    messages = error.value.messages
    assert any("人员姓名和身份证号" in m for m in messages)
    assert any("申报称号" in m for m in messages)
    assert any("主要业绩" in m for m in messages)
    assert any("请上传材料：推荐表" in m for m in messages)
    application.refresh_from_db()
    assert application.state == "draft"


def test_submission_after_the_close_is_refused_but_the_draft_survives(ready_application, enterprise_user):
    round = ready_application.round
    round.opens_at = timezone.now() - timedelta(days=10)
    round.closes_at = timezone.now() - timedelta(minutes=1)
    round.save()
    with pytest.raises(ValidationError, match="已于 .* 截止"):
        services.application_submit(application=ready_application, by=enterprise_user)
    assert Application.objects.get(pk=ready_application.pk).state == "draft"


def test_an_unverified_organisation_cannot_submit(ready_application, enterprise_user):
    enterprise_user.organisation.is_verified = False
    enterprise_user.organisation.save()
    with pytest.raises(ValidationError, match="尚未通过区县人力社保部门认定"):
        services.application_submit(application=ready_application, by=enterprise_user)


def test_youth_craftsman_age_limit_is_checked(enterprise_user, craftsman_round):
    application = save_draft(enterprise_user, craftsman_round, craftsman_post(level="youth"))  # born 1980
    attach_required(application, enterprise_user)
    with pytest.raises(ValidationError, match="不超过 35 周岁"):
        services.application_submit(application=application, by=enterprise_user)


def test_a_second_submit_of_the_same_application_is_refused(ready_application, enterprise_user):
    services.application_submit(application=ready_application, by=enterprise_user)
    with pytest.raises(ValidationError, match="已经提交"):
        services.application_submit(application=ready_application, by=enterprise_user)
    assert ApplicationVersion.objects.filter(application=ready_application).count() == 1


def test_the_second_click_is_refused_after_one_locked_read_of_the_row_alone(
    ready_application, enterprise_user, django_assert_num_queries
):
    # The double click of the deadline rush (issue 18): the second POST locks the row and reads its state, scope and
    # nothing else (no joins, no prefetches), then is refused; nothing is written.
    services.application_submit(application=ready_application.pk, by=enterprise_user)
    # (the other three statements are the savepoint of the service's atomic block inside the test's transaction)
    with django_assert_num_queries(4) as captured, pytest.raises(ValidationError, match="已经提交"):
        services.application_submit(application=ready_application.pk, by=enterprise_user)
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1 and reads[0].endswith('FOR UPDATE OF "applications_application"')
    assert " JOIN " not in reads[0]
    assert ApplicationVersion.objects.filter(application=ready_application).count() == 1


def test_same_person_scheme_and_level_cannot_be_open_twice(ready_application, enterprise_user):
    services.application_submit(application=ready_application, by=enterprise_user)
    again = save_draft(enterprise_user, RoundFactory(), craftsman_post())
    attach_required(again, enterprise_user)
    with pytest.raises(ValidationError, match="不能重复申报"):
        services.application_submit(application=again, by=enterprise_user)
    again.refresh_from_db()
    assert again.state == "draft"


def test_withdrawal_frees_the_claim_for_a_new_application(ready_application, enterprise_user):
    services.application_submit(application=ready_application, by=enterprise_user)
    services.application_withdraw(application=ready_application, by=enterprise_user, reason="材料有误")
    again = save_draft(enterprise_user, ready_application.round, craftsman_post())
    attach_required(again, enterprise_user)
    assert services.application_submit(application=again, by=enterprise_user).state == "submitted"


def test_withdrawal_is_refused_once_review_has_started(ready_application, enterprise_user):
    services.application_submit(application=ready_application, by=enterprise_user)
    reviewer = make_user(Role.DISTRICT_REVIEWER, district=ready_application.district)
    application_transition(Application.objects.get(pk=ready_application.pk), "district_pass", reviewer)
    with pytest.raises(ValidationError, match="不能执行“撤回”"):
        services.application_withdraw(application=ready_application, by=enterprise_user)


def test_correction_loop_edits_only_open_items_and_keeps_every_version(ready_application, enterprise_user):
    services.application_submit(application=ready_application, by=enterprise_user)
    reviewer = make_user(Role.DISTRICT_REVIEWER, district=ready_application.district)
    requirement = ready_application.round.materials.get()
    services.application_return(
        application=ready_application,
        by=reviewer,
        items=[
            {"target": "field:achievements", "note": "请补充近三年业绩"},
            {"target": f"material:{requirement.pk}", "note": "推荐表缺少盖章"},
        ],
        deadline=timezone.localdate() + timedelta(days=7),
    )
    application = Application.objects.get(pk=ready_application.pk)
    assert application.state == "returned"
    assert "按退回意见补正" in str(application.next_step)
    # A locked field cannot be changed…
    with pytest.raises(ValidationError, match="只能修改退回意见中列出的内容"):
        save_draft(enterprise_user, application.round, craftsman_post(occupation="焊工"), application=application)
    # …an open one can, and the open material can be replaced.
    save_draft(enterprise_user, application.round, craftsman_post(achievements="补充后的业绩"), application=application)
    services.attachment_add(application=application, requirement=requirement, upload=pdf_upload("盖章版.pdf"),
                            by=enterprise_user)  # fmt: skip
    resubmitted = services.application_submit(application=application, by=enterprise_user)
    assert resubmitted.state == "submitted" and resubmitted.version == 2
    first, second = ApplicationVersion.objects.filter(application=application).order_by("number")
    assert first.snapshot["details"]["achievements"] == "主持完成多项技术攻关。"
    assert second.snapshot["details"]["achievements"] == "补充后的业绩"
    assert first.snapshot["attachments"][0]["name"] == "材料.pdf"
    assert second.snapshot["attachments"][0]["name"] == "盖章版.pdf"
    assert application.corrections.get().resolved_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_the_same_claim_make_one(reference_data):
    # given two complete drafts for the same person and level, as two browser tabs would make
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory()
    drafts = []
    for _ in range(2):
        draft = save_draft(user, round, craftsman_post())
        attach_required(draft, user)
        drafts.append(draft)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(application):
        try:
            barrier.wait()
            services.application_submit(application=application, by=user)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    # when both are submitted at the same moment on PostgreSQL
    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one went through and the other was told why
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    assert any("不能重复申报" in o for o in outcomes)
    assert Application.objects.filter(state="submitted").count() == 1
    assert ApplicationVersion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_submits_once(reference_data):
    user = make_user(Role.ENTERPRISE)
    draft = save_draft(user, RoundFactory(), craftsman_post())
    attach_required(draft, user)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(application=draft, by=user)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    assert ApplicationVersion.objects.filter(application=draft).count() == 1


def test_the_submission_is_emailed_once_after_it_commits_and_a_second_click_sends_nothing(
    ready_application, enterprise_user, django_capture_on_commit_callbacks
):
    # given an enterprise user with an e-mail address
    enterprise_user.email = "hr@example.cn"
    enterprise_user.save()
    mail.outbox.clear()
    # when the application is submitted, then submitted again (a double click), each in its own transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.application_submit(application=ready_application, by=enterprise_user)
    # then the e-mail goes out only once the submission has committed (an on-commit callback), exactly once
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hr@example.cn"] and "已提交" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        services.application_submit(application=ready_application, by=enterprise_user)
    assert callbacks == [] and len(mail.outbox) == 1
    notification = Notification.objects.get(application=ready_application)
    assert notification.emailed_at is not None


def test_a_refused_submission_writes_nothing_and_sends_nothing(
    ready_application, enterprise_user, django_capture_on_commit_callbacks
):
    enterprise_user.email = "hr@example.cn"
    enterprise_user.save()
    services.application_submit(application=ready_application, by=enterprise_user)
    again = save_draft(enterprise_user, RoundFactory(), craftsman_post())
    attach_required(again, enterprise_user)
    mail.outbox.clear()
    # the same claim: refused by the unique index (the clash is looked up only then), with every guarantee kept
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError) as error:
        services.application_submit(application=again, by=enterprise_user)
    assert any("不能重复申报" in m for m in error.value.messages)
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.filter(application=again).exists()
    assert not ClaimKey.objects.filter(application=again).exists()
    assert not AuditEvent.objects.filter(action="application.submit", target_id=str(again.pk)).exists()
    assert not ApplicationVersion.objects.filter(application=again).exists()


def test_submission_query_count_is_pinned(ready_application, enterprise_user, django_assert_num_queries):
    # The deadline rush (issue 18): the lock and state check on the row alone, then one read with its joins and the
    # sum of the person's awards, two prefetches (no roster), the claim keys (one INSERT ... ON CONFLICT DO NOTHING,
    # no savepoint), one UPDATE, the audit event, the notification, the version; plus the savepoint of the service's
    # own atomic block inside the test's transaction; and, for a title paid to the person, one read of the person's
    # payee account (RULES.md "Who is paid"). More is a regression.
    with django_assert_num_queries(12):
        services.application_submit(application=ready_application, by=enterprise_user)
    version = ApplicationVersion.objects.get(application=ready_application)
    assert [a["requirement"] for a in version.snapshot["attachments"]] == ["推荐表"]


def test_the_snapshot_keeps_only_the_current_attachments(ready_application, enterprise_user):
    requirement = ready_application.round.materials.get()
    services.attachment_add(application=ready_application, requirement=requirement, upload=pdf_upload("新版.pdf"),
                            by=enterprise_user)  # fmt: skip
    services.application_submit(application=ready_application, by=enterprise_user)
    snapshot = ApplicationVersion.objects.get(application=ready_application).snapshot
    assert [a["name"] for a in snapshot["attachments"]] == ["新版.pdf"]
    assert snapshot["person"]["name"] == "王建华" and snapshot["apprentices"] == []


def test_the_awards_already_received_are_read_with_the_application_as_when_asked_alone(
    enterprise_user, craftsman_round
):
    # Issue 18: the page and the submission read the sum of the person's other active awards (就高不重复) as a
    # column of the application's own query; it must be exactly what already_received answers.
    from decimal import Decimal

    from applications import selectors
    from subsidies.models import Award
    from tests.factories import make_award

    application = save_draft(enterprise_user, craftsman_round, craftsman_post(level="grand"))
    attach_required(application, enterprise_user)
    counted, stopped = make_award(total="10000.00"), make_award(total="5000.00")
    Award.objects.filter(pk=stopped.pk).update(state=Award.State.REVOKED)
    Application.objects.filter(pk__in=[counted.application_id, stopped.application_id]).update(
        person=application.person
    )
    alone = services.already_received(
        scheme="craftsman_title", person_id=application.person_id, exclude_application_id=application.pk
    )
    assert alone == Decimal("10000.00")
    assert selectors.application_for_page(enterprise_user, application.pk).received_total == alone
    services.application_submit(application=application.pk, by=enterprise_user)
    application.refresh_from_db()
    assert application.estimate_total == Decimal("190000.00") and "10,000.00" in application.estimate_basis
    # nobody else's awards count: another person's application reads nothing
    other = save_draft(enterprise_user, craftsman_round, craftsman_post(person_resident_id=make_resident_id(77)))
    assert selectors.application_for_page(enterprise_user, other.pk).received_total is None


def test_submitting_by_number_is_scoped_to_the_user(enterprise_user, ready_application):
    # From the page, the service's locked read is the scope check: another enterprise's number does not exist for
    # the user (a 404 in the view), and nothing is written.
    intruder = make_user(Role.ENTERPRISE)
    with pytest.raises(Application.DoesNotExist):
        services.application_submit(application=ready_application.pk, by=intruder)
    ready_application.refresh_from_db()
    assert ready_application.state == "draft" and not ClaimKey.objects.exists()
    services.application_submit(application=ready_application.pk, by=enterprise_user)
    ready_application.refresh_from_db()
    assert ready_application.state == "submitted"
