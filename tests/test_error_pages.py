"""The page of last resort: a database outage answers 503 "not saved, try again later"; anything else the 500 page.
(tests/integration/test_faults.py stops a real PostgreSQL under a real server.)"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from huzhou_craftsman import errors
from huzhou_craftsman.accounts.roles import Role
from tests.conftest import login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_session(client, monkeypatch):
    """A logged-in client whose every request then fails where the first query is made (loading the session)."""
    client.raise_request_exception = False
    login(client, make_user(Role.ENTERPRISE))

    def fail_with(error):
        def load(self):
            raise error

        monkeypatch.setattr(SessionStore, "load", load)

    return fail_with


@pytest.mark.parametrize(
    "error",
    [
        OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused'),
        InterfaceError("connection already closed"),
    ],
)
def test_a_database_outage_answers_503_with_retry_after_and_no_details(client, failing_session, error):
    failing_session(error)

    page = client.get(reverse("enterprise-home"))
    submission = client.post(reverse("application-submit", args=[1]))

    for response in (page, submission):
        body = response.content.decode()
        assert response.status_code == 503 and response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
        assert "数据库暂时不可用" in body and "5432" not in body and "Error" not in body
    assert (
        "您刚才的提交没有保存成功" in submission.content.decode()
        and "已保存的草稿不会丢失" in submission.content.decode()
    )
    assert "您刚才的提交" not in page.content.decode() and "请几分钟后刷新页面" in page.content.decode()


def test_a_database_error_raised_while_handling_another_still_counts():
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("while rendering") from error
    except RuntimeError as error:
        assert errors._database_unavailable(error)
    assert not errors._database_unavailable(ValueError("x"))
    assert not errors._database_unavailable(None)


def test_any_other_error_keeps_the_500_page(client, failing_session):
    failing_session(ValueError("a bug"))

    response = client.get(reverse("enterprise-home"))

    assert response.status_code == 500 and "Retry-After" not in response
    assert "系统暂时无法处理您的请求" in response.content.decode() and "a bug" not in response.content.decode()
