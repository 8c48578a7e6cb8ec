"""The three ways to run the same code: embedded, server (PostgreSQL + Redis) and production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "PORTAL_PRODUCTION",
        "DEBUG",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DOCUMENT_SIGNING",
        "DOCUMENT_SIGNING_P12",
        "DOCUMENT_SIGNING_PASSWORD",
        "PAYER_ACCOUNT_NUMBER",
        "PAYER_ACCOUNT_NAME",
        "PAYER_BANK_NAME",
        "PAYER_BANK_CNAPS",
    }
}
PAYER = {
    "PAYER_ACCOUNT_NUMBER": "33050161627000000001",
    "PAYER_ACCOUNT_NAME": "湖州市人力资源和社会保障局",
    "PAYER_BANK_CNAPS": "105336000012",
}


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "huzhou_craftsman.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def show(setting, **env):
    result = run_manage("shell", "-c", f"from django.conf import settings; print(repr({setting}))", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_suite_runs_on_postgresql_with_persistent_connections():
    db = settings.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["CONN_MAX_AGE"] >= 60


def test_embedded_mode_is_sqlite_eager_console_mail_and_debug():
    assert show("settings.DATABASES['default']['ENGINE']") == "'django.db.backends.sqlite3'"
    assert show("settings.CELERY_TASK_ALWAYS_EAGER") == "True"
    assert show("settings.EMAIL_BACKEND") == "'django.core.mail.backends.console.EmailBackend'"
    assert show("settings.DEBUG") == "True"


def test_server_mode_uses_postgres_and_a_real_broker_without_debug():
    env = {"DATABASE_URL": "postgres://u:p@db:5432/portal", "REDIS_URL": "redis://broker:6379/0"}
    assert show("settings.DATABASES['default']['CONN_MAX_AGE']", **env) == "60"
    assert show("settings.CELERY_TASK_ALWAYS_EAGER", **env) == "False"
    assert show("settings.CELERY_BROKER_URL", **env) == "'redis://broker:6379/0'"
    assert show("settings.DEBUG", **env) == "False"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "portal.example.cn"}, "requires SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "requires ALLOWED_HOSTS"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.example.cn"}, "requires PAYER_ACCOUNT_NUMBER"),
        (
            {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.example.cn", **PAYER, "PAYER_BANK_CNAPS": "10533600"},
            "PAYER_BANK_CNAPS (12 digits)",
        ),
    ],
)
def test_production_refuses_to_start_without_secret_key_hosts_and_payer_account(env, message):
    result = run_manage("check", PORTAL_PRODUCTION="1", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_is_clean_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PORTAL_PRODUCTION="1",
        SECRET_KEY="k3#v9Lq!xZ2@pW7&rT5^mN8*bY4(cU6)hJ1_dF0+gS3=aE9-oI2?uK7<lP5>wQ8",
        ALLOWED_HOSTS="portal.hzrs.example.cn",
        DATABASE_URL="postgres://u:p@db:5432/portal",
        REDIS_URL="redis://broker:6379/0",
        # Production signs every document: the key is part of a deployment (the tests' demo key stands in).
        DOCUMENT_SIGNING_P12=str(settings.DOCUMENT_SIGNING_P12),
        DOCUMENT_SIGNING_PASSWORD=settings.DOCUMENT_SIGNING_PASSWORD,
        **PAYER,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_demo_mode_is_on_only_in_embedded_mode():
    assert show("settings.DEMO_MODE") == "True"
    assert show("settings.DEMO_MODE", DEMO_MODE="0") == "False"
    server = {"DATABASE_URL": "postgres://u:p@db:5432/portal", "REDIS_URL": "redis://broker:6379/0"}
    assert show("settings.DEMO_MODE", DEMO_MODE="1", **server) == "False"
    production = {"PORTAL_PRODUCTION": "1", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.example.cn", **PAYER,
                  "DOCUMENT_SIGNING": "0"}  # fmt: skip
    assert show("settings.DEMO_MODE", DEMO_MODE="1", **production) == "False"
