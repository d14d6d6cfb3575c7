"""URLs of records by uuid, reversed once per URL name rather than once per record.

A reading-view page links every passage several times; Django's reverse() per link made URL
building a large share of the page's server time. The URL is reversed once with a placeholder
uuid and the real uuid substituted, which gives exactly what reverse() would.
"""

from functools import lru_cache

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@lru_cache(maxsize=64)
def _pattern(name, script_prefix):
    return reverse(name, args=[_PLACEHOLDER])


def uuid_url(name, uuid):
    """reverse(name, args=[uuid]) for a URL whose only argument is a uuid."""
    return _pattern(name, get_script_prefix()).replace(_PLACEHOLDER, str(uuid), 1)
