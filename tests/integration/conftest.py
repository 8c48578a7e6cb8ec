"""A real Celery worker, in its own process, on a real Redis (the shared one or a throwaway one) and the test database."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from huzhou_craftsman.celery import app as celery_app
from tests.integration.servers import stop_process

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(log: Path, broker_url: str | None = None):
    """Start ``celery worker`` against the test database and a broker (the settings' by default); yield it once it
    answers a ping; stop it at the end."""
    broker_url = broker_url or settings.CELERY_BROKER_URL
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "huzhou_craftsman", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "-n", name],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    pytest.fail(f"the Celery worker exited early:\n{log.read_text()}")
                if celery_app.control.ping(destination=[name.replace("%h", socket.gethostname())], timeout=0.5):
                    break
            else:
                pytest.fail(f"the Celery worker did not answer within 60 s:\n{log.read_text()}")
            yield process
        finally:
            stop_process(process)


@pytest.fixture
def celery_worker_process(tmp_path):
    """Start ``celery worker`` against the test database and Redis; yield once it answers a ping."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests need REDIS_URL"
    celery_app.control.purge()
    with celery_worker(tmp_path / "worker.log") as process:
        yield process


def _reset_broker_connections() -> None:
    """Drop this process's pooled broker connections, so the next publish connects to ``broker_url`` as it is now.

    kombu keeps its pools in a registry keyed by broker URL: closing one pool would leave it there, closed, for the
    next user of that URL. ``pools.reset()`` closes and forgets them all, as Celery does in a forked child.
    """
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery app (and the settings) at another broker for the duration."""
    previous = settings.CELERY_BROKER_URL, celery_app.conf.broker_url
    _reset_broker_connections()
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url = url
    try:
        yield
    finally:
        _reset_broker_connections()
        settings.CELERY_BROKER_URL, celery_app.conf.broker_url = previous
