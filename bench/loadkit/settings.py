"""The portal's own settings plus the benchmark's baseline views (``bench/loadkit/urls.py``) and the bare baseline's
table (``bench/loadkit/models.py``); nothing else differs. Only the benchmark's gunicorn and scripts select these
settings (DJANGO_SETTINGS_MODULE), so the baseline views are never routed in production."""

from pathlib import Path

from huzhou_craftsman.settings import *  # noqa: F403
from huzhou_craftsman.settings import INSTALLED_APPS, TEMPLATES

ROOT_URLCONF = "bench.loadkit.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench.loadkit.apps.LoadkitConfig"]
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
