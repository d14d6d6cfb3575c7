import ipaddress
import logging

from django.conf import settings
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


def _trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyMiddleware:
    """Forwarded headers are believed only from the reverse proxies named in TRUSTED_PROXIES.

    From anyone else X-Forwarded-Proto is dropped (so SECURE_PROXY_SSL_HEADER cannot be spoofed)
    and the client address stays REMOTE_ADDR. From a trusted proxy the client is the right-most
    X-Forwarded-For address that is not itself a trusted proxy: the left part of the header is
    whatever the client sent, so it is never believed. `client_ip()` reads the result; django-axes
    throttles logins by it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        request.client_ip = self.client_address(request.META)
        return self.get_response(request)

    def client_address(self, meta):
        remote = meta.get("REMOTE_ADDR", "")
        if not _trusted(remote, self.networks):
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
            return remote
        hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not _trusted(hop, self.networks):
                return hop if _valid(hop) else remote
        return remote


def _valid(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request):
    """The client's address for django-axes (AXES_CLIENT_IP_CALLABLE)."""
    return getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
