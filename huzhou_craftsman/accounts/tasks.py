"""Background tasks of the accounts package."""

from celery import shared_task
from django.core.management import call_command
from django.db import connection


@shared_task(name="huzhou_craftsman.accounts.tasks.health_ping", time_limit=30, soft_time_limit=25)
def health_ping() -> dict:
    """Prove a worker is alive and reaches the database: return which database it used."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"pong": one == 1, "database": connection.settings_dict["NAME"], "vendor": connection.vendor}


@shared_task(name="huzhou_craftsman.accounts.tasks.clear_expired_sessions", time_limit=600, soft_time_limit=540)
def clear_expired_sessions() -> None:
    """Delete expired sessions (Django's clearsessions), on the beat schedule."""
    call_command("clearsessions")
