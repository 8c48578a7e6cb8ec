"""The periodic work of ``CELERY_BEAT_SCHEDULE`` in demo mode, where no beat process runs.

``make run`` starts only the web server, so without this a notice would never close by itself and a pending
document would never be sent again. In demo mode, at most once every ``DEMO_BEAT_SECONDS``, the request that comes
along runs in-process whichever scheduled tasks are due by their own interval (closing due notices hourly, the
sweeps every five minutes), before its own view. A server deployment runs ``celery beat`` instead and this
middleware does nothing there.
"""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings

from .celery import app as celery_app

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_last_look = 0.0
# When each scheduled task last ran in this process (time.monotonic()); a task never run is due at once.
_last_run: dict[str, float] = {}


def _interval_seconds(schedule) -> float:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    # A celery.schedules.schedule; crontab entries are not used by the portal.
    return schedule.run_every.total_seconds()


def run_due_tasks(now: float | None = None) -> list[str]:
    """Run, in this process, every scheduled task whose interval has passed since it last ran; return their names.

    A task that fails is logged and tried again at its next interval: a page is never broken by it.
    """
    now = time.monotonic() if now is None else now
    # The tasks modules are imported by a worker at start-up; in the web process, here (idempotent).
    celery_app.loader.import_default_modules()
    ran = []
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        name = entry["task"]
        last = _last_run.get(name)
        if last is not None and now - last < _interval_seconds(entry["schedule"]):
            continue
        _last_run[name] = now
        try:
            celery_app.tasks[name].apply(throw=True)
        except Exception:
            logger.exception("Demo mode: periodic task %s failed", name)
        else:
            ran.append(name)
    return ran


def reset() -> None:
    """Forget when tasks last ran (tests)."""
    global _last_look
    with _lock:
        _last_look = 0.0
        _last_run.clear()


class EmbeddedBeatMiddleware:
    """In demo mode, look for due periodic work at most once every ``DEMO_BEAT_SECONDS`` while serving requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEMO_MODE:
            self._maybe_run()
        return self.get_response(request)

    @staticmethod
    def _maybe_run() -> None:
        global _last_look
        now = time.monotonic()
        if _last_look and now - _last_look < settings.DEMO_BEAT_SECONDS:
            return
        # Another request running the work already: this one does not wait for it.
        if not _lock.acquire(blocking=False):
            return
        try:
            if _last_look and now - _last_look < settings.DEMO_BEAT_SECONDS:
                return
            _last_look = now
            ran = run_due_tasks(now)
            if ran:
                logger.info("Demo mode: ran periodic tasks %s", ", ".join(ran))
        finally:
            _lock.release()
