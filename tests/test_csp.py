"""A strict Content-Security-Policy on every response, and no inline script in any page that could need it.

Every URL of the project (the walk of tests/test_authorization_matrix.py) is fetched by anonymous visitors and by
each role, with real objects behind its parameters; every answer carries the policy, and every HTML page served
has neither an inline <script> nor an inline event handler (which the policy would block).
"""

import re

import pytest

from huzhou_craftsman.accounts.roles import Role
from tests.test_authorization_matrix import (  # noqa: F401 - world and the hashing fixture are used by pytest
    ANONYMOUS,
    _fast_password_hashing,
    build_url,
    client_as,
    endpoints,
    fetch,
    world,
)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
# A JSON data block is not script: the browser never runs it.
DATA_BLOCK = re.compile(r"type=[\"']application/(ld\+)?json[\"']", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def inline_script_problems(html: str) -> list[str]:
    problems = [m.group(0) for m in INLINE_SCRIPT.finditer(html) if not DATA_BLOCK.search(m.group(0))]
    problems += [m.group(0)[:120] for m in EVENT_HANDLER.finditer(html)]
    problems += [m.group(0) for m in JAVASCRIPT_URL.finditer(html)]
    return problems


def test_the_policy_allows_only_the_portals_own_files_and_no_inline_script(client):
    header = client.get("/accounts/login/").headers["Content-Security-Policy"]
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    for values in policy.values():
        assert not any(v.startswith(("http:", "https:", "*")) for v in values), header


def test_the_detector_finds_what_the_policy_would_block():
    assert inline_script_problems('<script>alert(1)</script><script src="/static/x.js"></script>') == ["<script>"]
    assert inline_script_problems('<select onchange="this.form.submit()">')
    assert inline_script_problems('<a href="javascript:void(0)">')
    assert not inline_script_problems('<script type="application/json" id="d">{}</script><a data-on="x">')


@pytest.mark.parametrize("who", [ANONYMOUS, *Role])
def test_every_page_carries_the_policy_and_has_no_inline_script(world, who):  # noqa: F811 - the fixture
    client = client_as(who, world)
    missing_header, inline, pages = [], [], 0
    for endpoint in endpoints():
        url = build_url(endpoint, world)
        status, response = fetch(client, "get", url)
        if response is None:
            continue  # a view that fails is the authorization matrix's finding, not this test's
        if "Content-Security-Policy" not in response.headers:
            missing_header.append(f"{url} ({status})")
        if status == 200 and response.get("Content-Type", "").startswith("text/html"):
            pages += 1
            found = inline_script_problems(response.content.decode())
            if found:
                inline.append(f"{url}: {found[:3]}")
    assert not missing_header, missing_header
    assert not inline, "\n".join(inline)
    assert pages >= 3  # every role (and the public) has pages of its own


def test_only_the_review_page_may_frame_an_attachment_and_only_its_inline_preview_may_be_framed(client):
    # Reviewers read an uploaded PDF in an <object> on the review page; Chromium treats it as a frame. The review
    # page alone allows same-origin frames; the inline preview alone may be framed (by the portal's own pages), and
    # stays sandboxed; the download and every other page may be framed by nobody.
    from applications import services
    from tests.applications.conftest import attach_required, craftsman_post, save_draft
    from tests.conftest import login
    from tests.factories import RoundFactory, district, make_user

    enterprise = make_user(Role.ENTERPRISE)
    draft = save_draft(enterprise, RoundFactory(), craftsman_post())
    attach_required(draft, enterprise)
    application = services.application_submit(application=draft, by=enterprise)
    attachment = application.attachments.get()
    login(client, make_user(Role.DISTRICT_REVIEWER, district=district("wuxing")))

    review = client.get(f"/review/applications/{application.pk}/")
    assert review.status_code == 200 and f"/attachments/{attachment.pk}/?inline=1" in review.content.decode()
    assert directives(review.headers["Content-Security-Policy"])["frame-src"] == ["'self'"]
    assert directives(review.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert directives(client.get("/review/queue/").headers["Content-Security-Policy"])["frame-src"] == ["'none'"]

    inline = client.get(f"/attachments/{attachment.pk}/?inline=1")
    policy = directives(inline.headers["Content-Security-Policy"])
    assert inline.headers["X-Frame-Options"] == "SAMEORIGIN" and policy["frame-ancestors"] == ["'self'"]
    assert "sandbox" in policy and policy["default-src"] == ["'none'"]
    assert not inline.headers.get("Content-Disposition", "").startswith("attachment")

    download = client.get(f"/attachments/{attachment.pk}/")
    assert (
        download.headers["X-Frame-Options"] == "DENY"
        and "frame-ancestors" not in download.headers["Content-Security-Policy"]
    )
    assert download.headers["Content-Disposition"].startswith("attachment")
