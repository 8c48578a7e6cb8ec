"""WSGI entry point (gunicorn huzhou_craftsman.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_craftsman.settings")

application = get_wsgi_application()
