"""Hostile input: SQL, markup, odd Unicode, very long strings and NUL bytes in every form field and file reader, and
uploads that lie about what they are or where they go.

The rule everywhere: bad input is refused with a clear Chinese message (a ValidationError, or an error listed on the
page) or stored as the harmless text it is, and shown escaped. Nothing else may happen: no crash, no file outside
its folder, no row changed.
"""

import csv
import io
import itertools
import re
import zipfile
from datetime import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from applications import roster, schemes, services
from applications.models import Application, Apprentice, Attachment
from applications.schemes import registry
from huzhou_craftsman.accounts.forms import OrganisationRegistrationForm
from huzhou_craftsman.accounts.models import AuditEvent, District, Organisation
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import organisation_register
from subsidies import bank_files, payments
from tests.applications.conftest import craftsman_post, save_draft
from tests.conftest import login
from tests.factories import PDF_BYTES, RoundFactory, make_award, make_resident_id, make_uscc, make_user, training

pytestmark = pytest.mark.django_db

SQL = "'; DROP TABLE applications_application; --"
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE = [
    SQL,
    SCRIPT,
    '" onmouseover="alert(1)" x="',
    "{{ request }}{% debug %}",
    "\x00",
    "王\x00建华",
    "\u202egnp.exe",  # right-to-left override
    "𠀀𪚥😀",  # outside the Basic Multilingual Plane
    "ｆｕｌｌｗｉｄｔｈ１２３",
    "٣٣٠٥",  # Arabic-Indic digits
    "²³",  # digits to str.isdigit(), not to int()
    "9" * 5000,  # more digits than int() accepts
    "=cmd|' /C calc'!A0",  # spreadsheet formula injection
    "\r\n\t ",
    "",
    "NaN",
    "-1",
    "1e999999",
    "../../etc/passwd",
    "\ufeff",
]
HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.builds(lambda text, times: text * times, st.sampled_from([SQL, SCRIPT, "汉字", "\x00"]), st.integers(50, 3000)),
)
_sequence = itertools.count(500)
IDS = {"person_resident_id", "person_mobile"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made in almost every example: the real PBKDF2 cost would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def enterprise(db):
    return make_user(Role.ENTERPRISE)


def _baseline(form: forms.Form) -> dict:
    """Valid data for any scheme form, built from its fields (so a new field is attacked too)."""
    data = {}
    for name, field in form.fields.items():
        if name == "person_resident_id":
            data[name] = make_resident_id(next(_sequence), birth="19800506")
        elif name == "person_mobile":
            data[name] = "13905721111"
        elif name in ("team_members", "people"):  # "姓名,身份证号" lines
            data[name] = f"张三,{make_resident_id(next(_sequence), birth='19900101')}"
        elif isinstance(field, forms.ChoiceField):
            # Grouped choices (e.g. trades under their competition edition) are (group, [(value, label), …]).
            flat = [
                c
                for value, label in field.choices
                for c in (label if isinstance(label, list | tuple) else [(value, label)])
            ]
            data[name] = str(next((value for value, _label in flat if value), ""))
        elif isinstance(field, forms.IntegerField):
            data[name] = str(field.min_value or 0)
        elif isinstance(field, forms.DateField):
            data[name] = "2025-05-06"
        else:
            data[name] = "测试内容"
    return data


def _page_is_escaped(html: str, values) -> None:
    for value in values:
        if "<script>alert(1)" in value:
            assert "<script>alert(1)" not in html


# --- Scheme forms ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", list(registry.SCHEMES))
@HYPOTHESIS
@given(data=st.data())
def test_scheme_forms_refuse_or_store_hostile_text_and_never_fail(client, enterprise, scheme, data):
    round = RoundFactory(scheme=scheme)
    baseline = _baseline(schemes.form_for(round))
    assert schemes.form_for(round, data=baseline).is_valid()
    fields = schemes.form_for(round).fields
    # Free text most of the time; identifiers, choices, numbers and dates get one hostile value now and then.
    free_text = sorted(name for name, field in fields.items() if type(field) is forms.CharField and name not in IDS)
    attack = data.draw(st.dictionaries(st.sampled_from(free_text), hostile_text, min_size=1, max_size=3))
    if others := sorted(set(fields) - set(free_text)):
        attack.update(data.draw(st.dictionaries(st.sampled_from(others), hostile_text, max_size=1)))
    form = schemes.form_for(round, data={**baseline, **attack})
    if not form.is_valid():
        event("refused by the form")
        assert form.errors  # refused with messages, nothing saved
        return
    try:
        application = services.application_save_draft(by=enterprise, round=round, cleaned=form.cleaned_data)
    except ValidationError as error:
        event("refused by the service")
        assert error.messages
        return
    event("saved and shown")
    application.refresh_from_db()
    for name, value in form.cleaned_data.items():
        if name not in schemes.PERSON_FIELDS and isinstance(value, str) and name in application.details:
            assert application.details[name] == value  # stored as the text it is, not interpreted
    schemes.details_display(application)
    login(client, enterprise)
    page = client.get(reverse("application-detail", args=[application.pk]))
    assert page.status_code == 200
    _page_is_escaped(page.content.decode(), attack.values())


def test_a_posted_script_comes_back_escaped_on_the_application_pages(client, enterprise):
    round = RoundFactory(scheme="craftsman_title")
    login(client, enterprise)
    post = craftsman_post(occupation=SCRIPT, achievements=f"{SCRIPT}\n{SQL}", person_name="<b>王</b>")
    response = client.post(reverse("application-create", args=[round.pk]), post, follow=True)
    application = Application.objects.get()
    assert application.details["occupation"] == SCRIPT
    for url in (
        reverse("application-detail", args=[application.pk]),
        reverse("application-edit", args=[application.pk]),
    ):
        html = client.get(url).content.decode()
        assert ESCAPED_SCRIPT in html and "<script>alert(1)" not in html, url
        assert "<b>王</b>" not in html
    assert "<script>alert(1)" not in response.content.decode()
    assert Application.objects.count() == 1  # the SQL was text, the table is still there


def test_the_review_page_escapes_what_the_applicant_wrote(client, enterprise):
    from tests.applications.test_notices import submitted

    application = submitted(enterprise, RoundFactory(), craftsman_post(occupation=SCRIPT, achievements=SCRIPT))
    login(client, make_user(Role.CITY_REVIEWER))
    html = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    assert ESCAPED_SCRIPT in html and "<script>alert(1)" not in html


# --- Registration ----------------------------------------------------------------------------------------------


def _registration(n: int) -> dict:
    return {
        "name": f"湖州测试注册企业{n}有限公司", "uscc": make_uscc(n), "district": District.objects.get(code="wuxing").pk,
        "address": "湖州市吴兴区测试路 1 号", "contact_name": "张三", "contact_mobile": "13905721234",
        "bank_account_name": f"湖州测试注册企业{n}有限公司", "bank_account_number": "33050161627000001234",
        "bank_name": "中国建设银行湖州分行", "bank_cnaps_code": "105336000012", "username": f"reg{n}",
        "full_name": "张三", "email": f"reg{n}@example.cn", "password1": "Long-Enough-Pass-42",
        "password2": "Long-Enough-Pass-42",
    }  # fmt: skip


@HYPOTHESIS
@given(data=st.data())
def test_registration_refuses_or_stores_hostile_input_and_never_fails(db, data):
    fields = sorted(OrganisationRegistrationForm.base_fields)
    attack = data.draw(st.dictionaries(st.sampled_from(fields), hostile_text, min_size=1, max_size=4))
    form = OrganisationRegistrationForm({**_registration(next(_sequence)), **attack})
    if not form.is_valid():
        event("refused by the form")
        assert form.errors
        return
    event("registered")
    cleaned = form.cleaned_data
    try:
        user = organisation_register(organisation=form.instance, username=cleaned["username"],
                                     password=cleaned["password1"], full_name=cleaned["full_name"],
                                     email=cleaned["email"])  # fmt: skip
    except ValidationError as error:
        assert error.messages
        return
    organisation = Organisation.objects.get(pk=user.organisation_id)
    assert organisation.name == cleaned["name"] and not organisation.is_verified


def test_the_registration_page_shows_hostile_input_escaped(client):
    data = {**_registration(next(_sequence)), "name": SCRIPT, "uscc": SQL}
    html = client.post(reverse("register"), data).content.decode()
    assert "统一社会信用代码" in html and "<script>alert(1)" not in html
    assert not Organisation.objects.filter(name=SCRIPT).exists()


def test_full_width_digits_in_bank_details_are_refused_or_normalised(db):
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    data = {**_registration(next(_sequence))}
    for name in ("bank_account_number", "bank_cnaps_code", "contact_mobile"):
        data[name] = data[name].translate(fullwidth)
    form = OrganisationRegistrationForm(data)
    if form.is_valid():
        for name in ("bank_account_number", "bank_cnaps_code", "contact_mobile"):
            assert form.cleaned_data[name].isascii(), name
    else:
        assert {"bank_account_number", "bank_cnaps_code", "contact_mobile"} <= set(form.errors)


# --- The apprentice roster -------------------------------------------------------------------------------------

cell = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)


def _valid_row() -> list:
    return ["张三", make_resident_id(next(_sequence) % 1000), "电工", 24, 12, 12]


@HYPOTHESIS
@given(rows=st.lists(st.lists(cell, max_size=8), max_size=6), position=st.integers(0, 5), value=cell)
def test_roster_rows_are_checked_without_ever_failing(rows, position, value):
    good = _valid_row()
    good[position] = value
    raw = [*rows, good]
    try:
        checked = roster.check_rows(enumerate(raw, start=2))
    except ValidationError as error:
        assert error.messages and all(isinstance(m, str) for m in error.messages)
    else:
        assert all(0 <= r.contract_months <= roster.MAX_MONTHS for r in checked)


@pytest.mark.parametrize("months", ["²", "9" * 5000])
def test_roster_months_that_isdigit_accepts_but_int_refuses_are_reported(months):
    with pytest.raises(ValidationError):
        roster.check_rows([(2, ["张三", make_resident_id(3), "电工", months, 12, 12])])


def _xlsx(rows, header=roster.COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@HYPOTHESIS
@given(rows=st.lists(st.lists(st.one_of(hostile_text, st.integers(0, 200), st.none()), max_size=7), max_size=5))
def test_a_roster_file_full_of_hostile_text_is_read_or_refused(rows):
    try:
        roster.read_roster(io.BytesIO(_xlsx(rows)))
    except ValidationError as error:
        assert error.messages


def _mangled(member_suffix: str, replacement: bytes | None) -> bytes:
    """The real template with one member of the zip replaced (or removed)."""
    source = zipfile.ZipFile(io.BytesIO(roster.roster_template()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            if item.filename.endswith(member_suffix):
                if replacement is not None:
                    archive.writestr(item, replacement)
            else:
                archive.writestr(item, source.read(item.filename))
    return target.getvalue()


TEMPLATE = roster.roster_template()
BROKEN_FILES = {
    "empty": b"",
    "random bytes": bytes(range(256)) * 8,
    "an EXE": b"MZ\x90\x00\x03" + b"\x00" * 500,
    "a PDF": PDF_BYTES,
    "a truncated zip": TEMPLATE[: len(TEMPLATE) // 2],
    "a zip without the sheet": _mangled("sheet1.xml", None),
}
BROKEN_XML = {
    "a sheet that is not XML": _mangled("sheet1.xml", b"<worksheet><sheetData><row><c"),
    "a workbook that is not XML": _mangled("workbook.xml", b"<<<"),
}


@pytest.mark.parametrize("content", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_malformed_xlsx_files_get_one_clear_message(content):
    with pytest.raises(ValidationError) as roster_error:
        roster.read_roster(io.BytesIO(content))
    with pytest.raises(ValidationError) as results_error:
        bank_files.read_results(io.BytesIO(content), "result.xlsx")
    for error in (roster_error.value, results_error.value):
        assert re.search(r"[\u4e00-\u9fff]", error.messages[0])


@pytest.mark.parametrize("content", BROKEN_XML.values(), ids=BROKEN_XML.keys())
def test_an_xlsx_with_broken_xml_inside_gets_one_clear_message(content):
    with pytest.raises(ValidationError):
        roster.read_roster(io.BytesIO(content))
    with pytest.raises(ValidationError):
        bank_files.read_results(io.BytesIO(content), "result.xlsx")


# --- The bank's result file ------------------------------------------------------------------------------------

result_cell = st.one_of(hostile_text.filter(lambda s: len(s) < 100_000), st.decimals(allow_nan=True), st.none())


@HYPOTHESIS
@given(rows=st.lists(st.lists(result_cell, max_size=6), max_size=6), as_csv=st.booleans(), gbk=st.booleans())
def test_bank_result_files_are_read_or_refused_never_failing(rows, as_csv, gbk):
    rows = [[str(c) if c is not None else "" for c in row] for row in rows]
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(bank_files.RESULT_COLUMNS)
        writer.writerows(rows)
        content = buffer.getvalue().encode("gbk" if gbk else "utf-8-sig", errors="replace")
        name = "result.csv"
    else:
        content, name = _xlsx(rows, header=bank_files.RESULT_COLUMNS), "result.xlsx"
    try:
        parsed = bank_files.read_results(io.BytesIO(content), name)
    except ValidationError as error:
        assert error.messages
    else:
        assert all(r.paid in (True, False, None) for r in parsed)


def test_a_csv_result_file_with_a_huge_cell_gets_a_message():
    content = ("收款账号,金额,结果,失败原因\n1," + "9" * 200_000 + ",成功,\n").encode()
    with pytest.raises(ValidationError):
        bank_files.read_results(io.BytesIO(content), "result.csv")


# --- Uploads over HTTP -----------------------------------------------------------------------------------------


def _multipart(filename: str, content: bytes, field: str = "file", content_type: str = "application/pdf"):
    """A multipart body written by hand: the test client would clean the file name before the server saw it."""
    boundary = "proof-boundary-7MA4YWxkTrZu0gW"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def draft(client, enterprise):
    round = RoundFactory(scheme="craftsman_title")
    application = save_draft(enterprise, round, craftsman_post())
    login(client, enterprise)
    return application


def _upload(client, application, filename, content, content_type="application/pdf"):
    requirement = application.round.materials.get()
    body, content_type = _multipart(filename, content, content_type=content_type)
    url = reverse("attachment-upload", args=[application.pk, requirement.pk])
    return client.post(url, data=body, content_type=content_type, follow=True)


def _files_under(root) -> set:
    return {p for p in root.rglob("*") if p.is_file()}


ZIP_BYTES = TEMPLATE


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 4000, "实际内容不是"),
        ("材料.pdf", ZIP_BYTES, "实际内容不是"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "已损坏"),
        ("empty.pdf", b"", "请选择要上传的文件"),
    ],
    ids=["exe named pdf", "zip named pdf", "broken png", "empty file"],
)
def test_an_upload_that_is_not_what_its_name_says_is_refused(client, draft, tmp_path, filename, content, message):
    events = AuditEvent.objects.count()
    html = _upload(client, draft, filename, content).content.decode()
    assert message in html
    assert re.search(r"alert-(danger|error)", html)
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.count() == events
    assert not (tmp_path / "media").exists() or not _files_under(tmp_path / "media")


def test_an_oversized_upload_is_refused_with_its_size(client, draft, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    html = _upload(client, draft, "big.pdf", PDF_BYTES + b"0" * (1024 * 1024)).content.decode()
    assert "超过 1 MB 的上限" in html
    assert not Attachment.objects.exists()
    assert not (tmp_path / "media").exists() or not _files_under(tmp_path / "media")


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd.pdf",
        "..\\..\\x.pdf",
        "/etc/passwd",
        "C:\\Windows\\system32\\x.pdf",
        "&#46;&#46;&#47;&#46;&#46;&#47;x.pdf",
        "a\x00b.pdf",
        "evil.pdf\x00.exe",
        "\u202egnp.pdf",
        "x" * 400 + ".pdf",
        "<script>alert(1)</script>.pdf",
    ],
)
def test_path_tricks_in_file_names_end_up_under_a_random_name(client, draft, tmp_path, filename):
    html = _upload(client, draft, filename, PDF_BYTES).content.decode()
    attachment = Attachment.objects.get()
    assert re.fullmatch(rf"attachments/{draft.pk}/[0-9a-f]{{32}}\.pdf", attachment.file.name)
    assert not set("/\\\x00") & set(attachment.original_name) and len(attachment.original_name) <= 255
    stored = _files_under(tmp_path)
    assert stored == {tmp_path / "media" / attachment.file.name}
    assert next(iter(stored)).read_bytes() == PDF_BYTES
    assert "<script>alert(1)" not in html
    download = client.get(reverse("attachment-download", args=[attachment.pk]))
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    assert "/" not in disposition.split("filename", 1)[1]
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_file_name_made_only_of_path_parts_is_no_upload_at_all(client, draft):
    html = _upload(client, draft, "../", PDF_BYTES).content.decode()
    assert "请选择要上传的文件" in html
    assert not Attachment.objects.exists()


@pytest.fixture
def apprentice_draft(client, enterprise):
    round = RoundFactory(scheme="apprenticeship", apprentice_standard="5000")
    application = save_draft(enterprise, round, {"training_provider": "湖州技师学院", "filing_number": "BA-1"})
    login(client, enterprise)
    return application


@pytest.mark.parametrize("content", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_malformed_roster_upload_is_refused_and_nothing_is_imported(client, apprentice_draft, content):
    services.roster_replace(
        application=apprentice_draft, by=apprentice_draft.created_by,
        rows=roster.check_rows([(2, ["李四", make_resident_id(42), "电工", 24, 12, *training(12)])]),
    )  # fmt: skip
    body, content_type = _multipart("roster.xlsx", content, content_type="application/vnd.ms-excel")
    url = reverse("roster-upload", args=[apprentice_draft.pk])
    html = client.post(url, data=body, content_type=content_type, follow=True).content.decode()
    assert "名册未导入" in html or "请选择要导入的 XLSX 文件" in html
    assert list(Apprentice.objects.values_list("person__name", flat=True)) == ["李四"]


@pytest.fixture
def exported_batch(db):
    maker, checker = make_user(Role.FINANCE_MAKER), make_user(Role.FINANCE_CHECKER)
    award = make_award()
    batch = payments.batch_create(instalment_ids=list(award.instalments.values_list("pk", flat=True)), by=maker)
    payments.batch_approve(batch=batch, by=checker)
    return payments.batch_record_export(batch=batch, by=maker, file_format="csv"), maker


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("result.xlsx", bytes(range(256)) * 4),
        ("result.xlsx", TEMPLATE[:300]),
        ("result.csv", "收款账号,金额,结果,失败原因\n".encode("utf-16")),
        ("result.csv", b"\xff\xfe\x00garbage\x81"),
        ("result.pdf", PDF_BYTES),
        ("../../result.csv", f"收款账号,金额,结果,失败原因\n{SQL},{SCRIPT},成功,{SCRIPT}\n".encode()),
    ],
    ids=["random xlsx", "truncated xlsx", "utf-16 csv", "undecodable csv", "pdf", "hostile rows"],
)
def test_a_hostile_bank_result_file_changes_nothing(client, exported_batch, filename, content):
    batch, maker = exported_batch
    login(client, maker)
    body, content_type = _multipart(filename, content, content_type="text/csv")
    url = reverse("finance-results-upload", args=[batch.pk])
    html = client.post(url, data=body, content_type=content_type, follow=True).content.decode()
    assert "<script>alert(1)" not in html
    assert re.search(r"alert-(danger|error|warning)", html)
    assert list(batch.lines.values_list("state", flat=True)) == ["pending"]


@pytest.mark.parametrize(
    "row", ["3305\x00,10000.00,成功,", "33050161627000001234,10000.00,失败,账户\x00冻结"], ids=["account", "reason"]
)
def test_nul_bytes_in_a_csv_result_file_get_a_message(client, exported_batch, row):
    batch, maker = exported_batch
    login(client, maker)
    body, content_type = _multipart(
        "result.csv", f"收款账号,金额,结果,失败原因\n{row}\n".encode(), content_type="text/csv"
    )
    response = client.post(reverse("finance-results-upload", args=[batch.pk]), data=body, content_type=content_type)
    assert response.status_code == 302


def test_dates_and_numbers_in_text_form_are_never_trusted(client, enterprise):
    """Non-text fields given text: refused by the form, with the field named, never a crash."""
    round = RoundFactory(scheme="training_base")
    form = schemes.form_for(round, data={"level": SQL, "document_number": SCRIPT, "document_date": "2025-02-30"})
    assert not form.is_valid() and {"level", "document_date"} <= set(form.errors)
