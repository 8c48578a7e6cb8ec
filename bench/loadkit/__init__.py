"""Support for ``bench/portal_load.py``: the baseline views, their settings and the deadline-rush locustfile."""
