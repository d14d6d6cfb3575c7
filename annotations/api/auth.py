"""Who is calling: a personal token (`Authorization: Bearer awb_…`) or the browser's session
(with its CSRF token on writes); and how often they may call."""

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle

from ..services import api_token_authenticate

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def token_user(request, secret):
    """The user of a live token, set on the request with the token (None when unknown); a
    read-only token is refused any write."""
    token = api_token_authenticate(secret=secret)
    if token is None:
        return None
    if token.read_only and request.method not in SAFE_METHODS:
        raise HttpError(403, "This token is read-only.")
    request.user = token.user
    request.api_token = token
    return token.user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        return token_user(request, token)


class BrowserSession(APIKeyCookie):
    """The browser's own calls: its session cookie, with the CSRF token on writes. Checked only
    for a logged-in session, so a script without either gets 401, not a CSRF complaint."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


class PerTokenThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (per user for the browser's session), counted in the
    Django cache."""

    scope = "api"

    def __init__(self):
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request):
        # Read per request, so the limit can change with the settings (and in tests).
        self.num_requests, self.duration = self.parse_rate(settings.API_RATE_LIMIT)
        return super().allow_request(request)

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        ident = f"token-{token.uuid}" if token is not None else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


AUTH = [TokenAuth(), BrowserSession()]
