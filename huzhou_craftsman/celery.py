"""The portal's Celery app: configured from Django settings (namespace CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_craftsman.settings")

app = Celery("huzhou_craftsman")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Packages whose tasks live one level down (subsidies/documents/tasks.py).
app.autodiscover_tasks(["subsidies.documents"])
