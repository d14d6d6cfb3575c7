import uuid

from django.urls import reverse

from annotations.links import uuid_url


def test_uuid_url_matches_reverse_for_every_uuid_url():
    for name in ("annotations:report-read", "annotations:passage-panel", "annotations:passage-detail"):
        value = uuid.uuid4()
        assert uuid_url(name, value) == reverse(name, args=[value])


def test_uuid_url_follows_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    value = uuid.uuid4()
    before = get_script_prefix()
    set_script_prefix("/workbench/")
    try:
        assert uuid_url("annotations:report-read", value) == f"/workbench/r/{value}/"
    finally:
        set_script_prefix(before)
