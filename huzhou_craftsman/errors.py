"""The page of last resort: when the database is unreachable, say so (503, try again later) instead of "error".

Both pages are static templates rendered without a request: a page served because the database is down must not
ask the database for the user or run the context processors that do.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import server_error as default_server_error

# How long a browser or a proxy is told to wait before trying again (a restart of PostgreSQL takes seconds).
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _database_unavailable(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from or while handling, is a lost or refused database connection."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request, template_name="500.html"):
    """handler500: 503 with "the database is unavailable, nothing was saved" for a database outage, else the 500 page."""
    if not _database_unavailable(sys.exc_info()[1]):
        return default_server_error(request, template_name)
    body = loader.get_template("503.html").render({"unsafe_method": request.method not in ("GET", "HEAD", "OPTIONS")})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
