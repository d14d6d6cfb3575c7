"""Per-user limits on how fast comments and tags may be written, counted in Django's cache (shared
by every app server once the cache is Redis; with the default local-memory cache each server
process counts on its own)."""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

WINDOW_SECONDS = 60
WHAT = {"comment": "posting comments", "tag": "changing tags and highlights"}


def rate_limited(kind):
    """Refuse the view with 429 once the user has made settings.WRITE_RATE_LIMITS[kind] such writes
    in the current minute. The message is plain text, which the panel shows (annotate.js)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            limit = settings.WRITE_RATE_LIMITS[kind]
            now = time.time()
            key = f"rate:{kind}:{request.user.pk}:{int(now // WINDOW_SECONDS)}"
            cache.add(key, 0, WINDOW_SECONDS * 2)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add() and incr()
                cache.set(key, 1, WINDOW_SECONDS * 2)
                count = 1
            if count <= limit:
                return view(request, *args, **kwargs)
            retry = int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1
            response = HttpResponse(
                f"You are {WHAT[kind]} too fast: at most {limit} a minute. "
                f"Nothing was saved; try again in {retry} seconds.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(retry)
            return response

        return wrapped

    return decorator
