"""Uploads are checked by content and size; the roster is imported all-or-nothing with row-numbered errors."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from PIL import Image

from applications import roster, services
from applications.models import Apprentice, Attachment
from tests.applications.conftest import save_draft
from tests.factories import RoundFactory, make_resident_id, pdf_upload, training

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def draft(enterprise_user, craftsman_round):
    return save_draft(enterprise_user, craftsman_round, {"route": "selection"})


def upload(draft, user, file):
    return services.attachment_add(application=draft, requirement=draft.round.materials.get(), upload=file, by=user)


def test_a_real_pdf_and_png_are_accepted_and_hashed(draft, enterprise_user):
    attachment = upload(draft, enterprise_user, pdf_upload())
    assert attachment.kind == "pdf" and len(attachment.sha256) == 64
    assert "/" not in attachment.file.name.split("attachments/")[1].split("/", 1)[1]
    image = upload(draft, enterprise_user, SimpleUploadedFile("photo.png", png_bytes()))
    assert image.kind == "png"
    attachment.refresh_from_db()
    assert attachment.replaced_at is not None  # the earlier file stays, marked replaced


def test_a_wrong_type_with_a_right_name_is_refused(draft, enterprise_user):
    fake = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    with pytest.raises(ValidationError, match="实际内容不是 PDF/JPG/PNG"):
        upload(draft, enterprise_user, fake)
    assert not Attachment.objects.exists()


def test_a_type_the_checklist_does_not_allow_is_refused(draft, enterprise_user):
    requirement = draft.round.materials.get()
    requirement.allowed_kinds = ["pdf"]
    requirement.save()
    with pytest.raises(ValidationError, match="不是 PDF 格式"):
        upload(draft, enterprise_user, SimpleUploadedFile("scan.png", png_bytes()))


def test_an_oversized_file_is_refused(draft, enterprise_user, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="超过 1 MB 的上限"):
        upload(draft, enterprise_user, big)


def test_a_truncated_image_is_refused(draft, enterprise_user):
    broken = SimpleUploadedFile("photo.png", png_bytes()[:30])
    with pytest.raises(ValidationError, match="已损坏"):
        upload(draft, enterprise_user, broken)


def test_path_tricks_in_the_file_name_never_reach_the_disk_name(draft, enterprise_user):
    attachment = upload(draft, enterprise_user, pdf_upload("../../etc/passwd.pdf"))
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert "/" not in attachment.original_name


def xlsx(rows, header=roster.COLUMNS) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


@pytest.fixture
def apprentice_draft(enterprise_user):
    round = RoundFactory(scheme="apprenticeship", apprentice_standard="5000")
    return save_draft(enterprise_user, round, {"training_provider": "湖州技师学院", "filing_number": "BA-2026-01"})


def test_the_template_has_the_expected_header(enterprise_user):
    sheet = load_workbook(io.BytesIO(roster.roster_template())).active
    assert [c.value for c in sheet[1]] == roster.COLUMNS


def test_a_good_roster_is_imported_and_priced_per_apprentice(apprentice_draft, enterprise_user):
    rows = roster.read_roster(
        xlsx(
            [
                ["甲", make_resident_id(101, birth="20000101"), "数控车工", 24, 12, *training(7)],
                [
                    "乙",
                    make_resident_id(102, birth="20010101"),
                    "电工",
                    36,
                    12,
                    *training(18),
                ],  # trained > filed: capped
                ["丙", make_resident_id(103, birth="20020101"), "焊工", 6, 12, *training(12)],  # contract < 12: nothing
            ]
        )
    )
    services.roster_replace(application=apprentice_draft, rows=rows, by=enterprise_user)
    amounts = list(Apprentice.objects.order_by("row_number").values_list("amount", flat=True))
    assert [str(a) for a in amounts] == ["2916.67", "5000.00", "0.00"]
    apprentice_draft.refresh_from_db()
    assert str(apprentice_draft.estimate_total) == "7916.67"


def test_a_roster_with_bad_rows_reports_each_by_row_number_and_saves_nothing(apprentice_draft, enterprise_user):
    good = ["甲", make_resident_id(101), "数控车工", 24, 12, *training(7)]
    with pytest.raises(ValidationError) as error:
        roster.read_roster(
            xlsx(
                [
                    good,
                    ["", make_resident_id(102), "电工", 24, 12, *training(7)],
                    ["丙", "330502198001011234", "焊工", 24, 12, *training(7)],
                    ["丁", make_resident_id(104), "焊工", "十二", 12, *training(7)],
                    ["戊", make_resident_id(101), "焊工", 24, 12, *training(7)],
                    ["己", 330502198001011239, "焊工", 24, 12, *training(7)],
                ]
            )
        )
    messages = error.value.messages
    assert any(m.startswith("第 3 行：姓名不能为空") for m in messages)
    assert any(m.startswith("第 4 行：身份证号校验位不正确") for m in messages)
    assert any(m.startswith("第 5 行：劳动合同期限") for m in messages)
    assert any(m.startswith("第 6 行：身份证号与第 2 行重复") for m in messages)
    assert any(m.startswith("第 7 行：身份证号被表格存成了数字") for m in messages)
    assert not Apprentice.objects.exists()


@pytest.mark.parametrize(
    "content", [b"not a spreadsheet", b"PK\x03\x04 broken zip", pdf_upload().read()], ids=["text", "zip", "pdf"]
)
def test_a_malformed_xlsx_gets_one_clear_error(content):
    with pytest.raises(ValidationError, match="无法读取该文件"):
        roster.read_roster(SimpleUploadedFile("roster.xlsx", content))


def test_a_wrong_header_is_refused():
    with pytest.raises(ValidationError, match="表头与模板不一致"):
        roster.read_roster(xlsx([], header=["名字", "证件"]))


def test_a_person_registered_under_another_name_is_kept_as_entered_and_flagged(apprentice_draft, enterprise_user):
    # given 甲 registered with this ID number by an earlier roster
    rows = roster.read_roster(xlsx([["甲", make_resident_id(101), "电工", 24, 12, *training(12)]]))
    services.roster_replace(application=apprentice_draft, rows=rows, by=enterprise_user)
    # when a roster names the same number 冒名: no refusal (a refusal would say the number is registered)
    clash = roster.read_roster(
        xlsx(
            [
                ["乙", make_resident_id(102), "电工", 24, 12, *training(12)],
                ["冒名", make_resident_id(101), "电工", 24, 12, *training(12)],
            ]
        )
    )
    services.roster_replace(application=apprentice_draft, rows=clash, by=enterprise_user)
    # then the enterprise keeps what it entered, the registered name is unchanged, and reviewers are warned
    apprentices = list(Apprentice.objects.select_related("person").order_by("row_number"))
    assert [a.display_name for a in apprentices] == ["乙", "冒名"]
    assert [a.person.name for a in apprentices] == ["乙", "甲"]
    assert [a.name_differs for a in apprentices] == [False, True]
