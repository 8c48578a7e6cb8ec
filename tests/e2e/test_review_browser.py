"""Bureau staff in Chromium: district review, city review, city approval, public notice, and the enterprise's award."""

import datetime

import pytest

from applications import services
from applications.models import PublicNotice
from huzhou_craftsman.accounts.roles import Role
from subsidies.models import Award
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.e2e.helpers import sign_in, staff_page
from tests.factories import RoundFactory, make_resident_id, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


def decide_in_queue(page, number, button):
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name=button).click()
    assert page.get_by_text(f"已处理申报 {number}").is_visible()


def test_staff_take_an_application_through_review_and_notice_to_an_award(new_page, shot):
    enterprise = make_user(Role.ENTERPRISE)
    draft = save_draft(
        enterprise, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(77), level="grand")
    )
    attach_required(draft, enterprise)
    application = services.application_submit(application=draft, by=enterprise)
    number = application.number

    district = staff_page(new_page, Role.DISTRICT_REVIEWER, district=application.district)
    shot(district, "district-queue")
    decide_in_queue(district, number, "区县初审通过")

    city = staff_page(new_page, Role.CITY_REVIEWER)
    decide_in_queue(city, number, "市级复审通过")

    approver = staff_page(new_page, Role.CITY_APPROVER)
    approver.get_by_role("link", name=number).click()
    assert "200,000.00" in approver.get_by_test_id("estimate").inner_text()
    shot(approver, "approval-page")
    approver.get_by_role("button", name="市级审批同意").click()
    approver.get_by_role("link", name="公示管理").click()
    approver.get_by_label(number).check()
    approver.get_by_role("button", name="发布公示").click()
    notice = PublicNotice.objects.get(applications=application)
    shot(approver, "notice-opened")

    public = new_page()
    public.goto("/notices/")
    assert public.get_by_text(number).is_visible()
    assert application.person.resident_id not in public.content()
    shot(public, "public-notice")

    # the notice period runs its course
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=datetime.date.today() - datetime.timedelta(days=1))
    approver.goto(f"/review/notices/{notice.pk}/")
    approver.get_by_role("button", name="结束公示并批准资助").click()
    award = Award.objects.get(application=application)
    assert award.total == 200000 and award.instalments.count() == 2

    home = new_page()
    sign_in(home, enterprise.username)
    home.get_by_role("link", name="我的资助").click()
    assert "200,000.00" in home.get_by_test_id("award-total").first.inner_text()
    shot(home, "enterprise-award")


def test_the_reviewer_reads_the_uploaded_pdf_inside_the_review_page(new_page, shot):
    # The review page shows each uploaded PDF in an <object>. Chromium loads it as a frame: until the review page
    # allowed same-origin frames and the inline preview allowed being framed by the portal, the browser refused it
    # (a CSP violation in the console) and showed only the fallback link.
    from weasyprint import HTML

    from tests.factories import pdf_upload

    enterprise = make_user(Role.ENTERPRISE)
    draft = save_draft(enterprise, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(78)))
    upload = pdf_upload("推荐表.pdf", HTML(string="<h1>推荐表</h1>").write_pdf())
    services.attachment_add(application=draft, requirement=draft.round.materials.get(), upload=upload, by=enterprise)
    application = services.application_submit(application=draft, by=enterprise)
    attachment = application.attachments.get()

    district = staff_page(new_page, Role.DISTRICT_REVIEWER, district=application.district)
    console = []
    district.on("console", lambda message: console.append(message.text))
    with district.expect_response(lambda r: r.url.endswith(f"/attachments/{attachment.pk}/?inline=1")) as preview:
        district.get_by_role("link", name=application.number).click()
    assert preview.value.status == 200
    district.wait_for_function(
        "n => [...document.querySelectorAll('object')].some(o => o.data.endsWith(n))", arg=f"/{attachment.pk}/?inline=1"
    )
    district.wait_for_timeout(500)  # let the browser decide on the frame (a refusal is logged to the console)
    assert not [m for m in console if "Content Security Policy" in m or "X-Frame-Options" in m], console
    assert any(frame.url.endswith(f"/attachments/{attachment.pk}/?inline=1") for frame in district.frames)
    assert not district.get_by_role("link", name="下载查看").is_visible()  # the fallback is not shown
    shot(district, "pdf-preview")
