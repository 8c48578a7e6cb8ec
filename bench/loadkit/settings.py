"""The portal's own settings plus the benchmark's baseline views (``bench/loadkit/urls.py``); nothing else differs."""

from pathlib import Path

from huzhou_craftsman.settings import *  # noqa: F403
from huzhou_craftsman.settings import TEMPLATES

ROOT_URLCONF = "bench.loadkit.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]
