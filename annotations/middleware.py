import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (restarting, failing over, SQLite locked past its
    timeout) a request fails with 503 and Retry-After instead of a generic 500: nothing was
    written, trying again shortly is the right move, and the browser script says so. Django's
    CONN_HEALTH_CHECKS replaces the broken connection on the next request, so no restart of the
    app is needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(
            "The database is unavailable for a moment. Nothing was saved; try again in a few seconds.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
