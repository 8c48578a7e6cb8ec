import pytest
from django.db import connection

from huzhou_craftsman.accounts.tasks import health_ping

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reference_data")]


def test_a_real_worker_on_redis_runs_a_task_against_the_test_database(celery_worker_process):
    result = health_ping.delay()
    reply = result.get(timeout=60)
    assert reply == {"pong": True, "database": connection.settings_dict["NAME"], "vendor": "postgresql"}
    assert result.successful()
