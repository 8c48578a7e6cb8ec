from django.apps import AppConfig


class LoadkitConfig(AppConfig):
    """The benchmark's baseline table; installed by ``bench.loadkit.settings`` only, never in the portal's settings."""

    name = "bench.loadkit"
    label = "loadkit"
    default_auto_field = "django.db.models.BigAutoField"
