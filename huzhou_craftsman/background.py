"""Sending work to the Celery workers without letting a broker outage turn a committed change into an error page.

Celery's ``delay_on_commit`` publishes in an on-commit callback and lets a broker error escape from it: the change
has committed, yet the user sees a 500 page (and, with a Redis result backend, only after some 20 s of reconnecting).
Callers here publish through :func:`publish` instead: it gives up quickly, logs, and says whether the task went out,
so the caller's database row stays "pending" for its periodic sweep to send again.
"""

import logging

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Publishing gives up quickly when the broker is down: the change has committed, a sweep sends the task later.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# What an unreachable Redis raises while publishing (kombu wraps most of it; socket errors are OSError).
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)


def publish(task, *args, countdown: float | None = None) -> bool:
    """Send ``task(*args)`` to the workers (to run ``countdown`` seconds from now, if given); if the broker is
    unreachable, log it and return False."""
    try:
        task.apply_async(args, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS:
        logger.warning(
            "Broker unreachable: %s%r not sent; the sweep will send it later", task.name, args, exc_info=True
        )
        return False
    except Exception:
        if not task.app.conf.task_always_eager:
            raise
        # Embedded mode runs the task right here, after the change committed: a failure is recorded on the task's
        # row where it can be (a document's state "failed", a notification still without ``emailed_at``), and must
        # neither turn the change into an error page nor stop the transaction's other on-commit callbacks.
        logger.exception("%s%r failed while running in-process", task.name, args)
        return False
    return True
