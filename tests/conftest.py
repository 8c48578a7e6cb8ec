"""Fixtures shared by every test: users per role, logged-in clients with a second factor, Celery mode."""

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from huzhou_craftsman.accounts.reference import seed_districts
from huzhou_craftsman.accounts.roles import Role, sync_role_groups
from huzhou_craftsman.celery import app as celery_app
from tests.factories import make_user

PASSWORD = "Correct-Horse-42"


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}",
        f"celery broker: {settings.CELERY_BROKER_URL}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _demo_signing_certificate():
    """Documents are sealed in the tests as in `make run`: with the demo CA's certificate (made once, under var/)."""
    from pathlib import Path

    from subsidies.documents.demo_ca import make_demo_ca

    p12 = Path(settings.DOCUMENT_SIGNING_P12)
    if settings.DOCUMENT_SIGNING and not p12.is_file():
        make_demo_ca(
            p12.parent, organ=settings.ISSUING_OFFICE, password=settings.DOCUMENT_SIGNING_PASSWORD, name=p12.stem
        )


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Unit tests run tasks in-process; tests marked integration talk to a real worker over Redis."""
    eager = request.node.get_closest_marker("integration") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _chinese_by_default():
    """Every test starts in the default language; a request that switched to English must not leak into the next."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def reference_data(transactional_db):
    """Re-create the districts and role groups that migrations seed (a transactional test's flush removes them)."""
    seed_districts(django_apps)
    sync_role_groups(django_apps)


def login(client, user, *, verified: bool = True):
    """Log a user in; with verified=True also complete the second factor, as the 2FA page would."""
    client.force_login(user)
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def user_of(db):
    """Create a user of a role: ``user_of(Role.CITY_REVIEWER)``."""
    return make_user


@pytest.fixture
def client_of(db, client):
    """Return a client logged in (with 2FA done) as a new user of the role, and the user."""

    def make(role: Role, **kwargs):
        user = make_user(role, **kwargs)
        return login(client, user), user

    return make
