"""At 390 px (a phone) no enterprise page and not the review queue scrolls sideways, in Chinese and in English.

Each page is measured in Chromium: ``document.documentElement.scrollWidth <= window.innerWidth``. A failure names
the page and the elements that stick out, so one run lists everything to fix.
"""

import pytest
from django.conf import settings
from django.test import Client

from huzhou_craftsman.accounts.roles import Role
from tests.applications.conftest import save_draft
from tests.conftest import login
from tests.factories import RoundFactory, make_user
from tests.test_english_labels import story  # noqa: F401 - the fixture: approved, paid and pending applications

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]

PHONE = {"width": 390, "height": 844}
OVERFLOW = """() => {
  const width = Math.min(window.innerWidth, document.documentElement.clientWidth, 390);
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && getComputedStyle(e).position !== 'fixed')
    .filter(e => !e.closest('.visually-hidden, .visually-hidden-focusable'))
    .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
      + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
  // A table inside a scrolling box hides columns (status, amount) off-screen: on a phone it must be cards.
  const tables = [...document.querySelectorAll('main table')].filter(t => t.getBoundingClientRect().right > width + 1)
    .map(t => 'table ' + Math.round(t.getBoundingClientRect().right) + 'px');
  return {scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), inner: width,
          wide: tables.concat(wide), tables: tables.length};
}"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def phone(browser, live_server):
    """Open a 390 px browser page as ``user`` (or anonymous), in ``language``."""
    contexts = []

    def open_as(user, language):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
        )
        contexts.append(context)
        cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
        if user is not None:
            client = login(Client(), user)
            cookies.append(
                {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                 "url": live_server.url}
            )  # fmt: skip
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_as
    for context in contexts:
        context.close()


def measure(page, urls, shot=None) -> list[str]:
    found = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
        result = page.evaluate(OVERFLOW)
        if result["scroll"] > result["inner"] or result["tables"]:
            found.append(f"{url}: {result['scroll']} px > {result['inner']} px — {', '.join(result['wide'])}")
        if shot is not None:
            shot(page, url.strip("/").replace("/", "-") or "home")
    return found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_enterprise_page_and_not_the_queue_scrolls_sideways(phone, shot, story, language):  # noqa: F811
    enterprise = story["enterprise"]
    draft = save_draft(enterprise, RoundFactory(scheme="apprenticeship", title="学徒制培训补贴 2026年度第一批"),
                       {"training_provider": "湖州技师学院", "filing_number": "BA-2026-01"})  # fmt: skip
    direct, medal = story["direct"], story["medal"]
    enterprise_urls = [
        "/", "/enterprise/", "/apply/", f"/apply/{medal.round_id}/new/", f"/applications/{direct.pk}/",
        f"/applications/{medal.pk}/", f"/applications/{draft.pk}/", f"/applications/{draft.pk}/edit/",
        f"/applications/{draft.pk}/roster/", "/awards/", "/documents/", "/accounts/password/",
    ]  # fmt: skip
    found = measure(phone(enterprise, language), enterprise_urls, shot)
    found += measure(phone(None, language), ["/accounts/login/", "/register/", "/notices/"])
    found += measure(phone(make_user(Role.CITY_REVIEWER), language), ["/review/queue/"])
    found += measure(phone(make_user(Role.DISTRICT_REVIEWER, district=medal.district), language), ["/review/queue/"],
                     shot)  # fmt: skip
    assert not found, "\n" + "\n".join(found)


def one_line(page, selector: str) -> bool:
    """Whether the element's text is laid out on a single line."""
    return page.evaluate(
        """(selector) => { const e = document.querySelector(selector); const r = document.createRange();
           r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size === 1; }""",
        selector,
    )


def test_the_finance_batch_table_at_desktop_width_does_not_wrap_names_or_buttons(new_page, shot):
    from subsidies import payments
    from subsidies.models import PaymentLine
    from tests.e2e.helpers import staff_page
    from tests.factories import OrganisationFactory, make_award

    organisation = OrganisationFactory(
        name="湖州南太湖精密机械制造有限公司", bank_account_name="湖州南太湖精密机械制造有限公司"
    )
    award = make_award(total="200000.00", instalments=("100000.00", "100000.00"), organisation=organisation)
    page = staff_page(new_page, Role.FINANCE_MAKER)
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=make_user(Role.FINANCE_MAKER))
    PaymentLine.objects.filter(batch=batch).update(state="paid")  # as a bank result would: 冲正 is offered
    page.goto(f"/finance/batches/{batch.pk}/")
    assert one_line(page, "[data-testid=batch-lines] tbody tr td:nth-child(2)")  # the payee's name
    assert one_line(page, "[data-testid=batch-lines] tbody tr summary")  # 冲正
    page.get_by_text("冲正", exact=True).click()  # opens the reason and the confirming button, without script
    assert one_line(page, "[data-testid=batch-lines] tbody tr button")
    shot(page, "batch")
    for selector in ("[data-testid=batch-lines]", "[data-testid=batch-lines] tbody tr button"):
        right = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().right")
        assert right <= page.evaluate("document.querySelector('.table-responsive').getBoundingClientRect().right")
