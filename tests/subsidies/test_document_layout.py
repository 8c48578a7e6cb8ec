"""Where GB/T 9704-2012 puts things, checked in WeasyPrint's layout of the documents' own templates: the signature
block (发文机关署名, 成文日期 and the seal) never stands alone on a page, and the 版记 of the round notice ends on the
last line of its last page without covering anything above it."""

import pytest
from django.template import engines
from weasyprint import HTML

from subsidies.documents.pdf import StaticOnlyURLFetcher, font_config, static_root

# Short paragraphs: one line each, so that the loop below steps the body one line at a time across a page break.
BASE = """{% extends "documents/_pdf_base.html" %}{% block qr %}{% endblock %}{% block title %}测试{% endblock %}
{% block body %}{% for n in paragraphs %}<p class="para">第{{ n }}段。</p>{% endfor %}{% endblock %}"""
NOTICE = """{% extends "documents/round_notice.html" %}{% block qr %}{% endblock %}"""


def layout(source: str, **context):
    html = (
        engines["django"]
        .from_string(source)
        .render(
            {
                "issuing_office": "湖州市人力资源和社会保障局",
                "office_indent_em": "2.00",
                "date": "2026年12月1日",
                **context,
            }
        )
    )
    return HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=StaticOnlyURLFetcher()).render(
        font_config=font_config()
    )


def boxes(page, css_class: str = "", element_id: str = ""):
    found = []
    for box in page._page_box.descendants():  # the layout tree, as subsidies.documents.pdf._anchor_box reads it
        element = getattr(box, "element", None)
        if element is None or getattr(box, "element_tag", "") in ("html", "body"):
            continue
        if (css_class and css_class in (element.get("class") or "").split()) or (
            element_id and element.get("id") == element_id
        ):
            found.append(box)
    return found


def test_the_signature_never_stands_alone_on_a_page():
    crossed = False
    for count in range(12, 40):
        document = layout(BASE, paragraphs=range(1, count + 1))
        crossed |= len(document.pages) > 1
        page = next(p for p in document.pages if boxes(p, "signature"))
        assert boxes(page, "para"), (
            f"{count} paragraphs: the signature is alone on page {document.pages.index(page) + 1}"
        )
    assert crossed  # the loop did push the signature past a page break


@pytest.mark.parametrize("rows", [1, 8, 12, 16, 22, 30])
def test_the_imprint_ends_on_the_last_line_of_the_last_page_below_everything_else(rows):
    context = {
        "number": "湖人社发〔2026〕1号", "title": "关于公布2026年度湖州工匠培育工程资助名单的通知", "addressees": "各区县人力社保局",
        "notice": {"title": "2026年度第一批"}, "notice_started": "2026年11月1日", "notice_ended": "2026年11月7日",
        "year": 2026, "count": rows, "total_words": "壹万元整", "total_figures": "10,000.00",
        "copies": "市财政局，市总工会", "printer": "湖州市人力资源和社会保障局办公室",
        "rows": [
            {"index": n, "holder": f"张{n}", "organisation": "湖州测试企业有限公司", "district": "吴兴区",
             "item": "湖州工匠", "figures": "10,000.00"}
            for n in range(1, rows + 1)
        ],
    }  # fmt: skip
    document = layout(NOTICE, **context)
    last = document.pages[-1]
    [imprint] = [b for b in boxes(last, "imprint") if b.style["visibility"] == "visible"]
    bottom = imprint.position_y + imprint.margin_height()
    page_area_bottom = last.height - last._page_box.margin_bottom
    assert abs(bottom - page_area_bottom) < 1, (bottom, page_area_bottom)
    table_bottom = max(b.position_y + b.margin_height() for b in boxes(last, "awards"))
    assert table_bottom <= imprint.position_y + 0.5
    # Only the last page carries it
    assert not any(b.style["visibility"] == "visible" for p in document.pages[:-1] for b in boxes(p, "imprint"))
