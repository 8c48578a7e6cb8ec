"""A real Celery worker, in its own process, on the real Redis and the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from huzhou_craftsman.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(tmp_path):
    """Start ``celery worker`` against the test database and Redis; yield once it answers a ping."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests need REDIS_URL"
    celery_app.control.purge()
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
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
                if celery_app.control.ping(timeout=0.5):
                    break
            else:
                pytest.fail(f"the Celery worker did not answer within 60 s:\n{log.read_text()}")
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
