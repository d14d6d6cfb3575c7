"""While the database cannot be reached, requests fail with a 503 that says nothing was saved,
and once it is back the next request works again without restarting anything."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse

from annotations.middleware import DatabaseUnavailableMiddleware
from annotations.models import Comment


@contextmanager
def unreachable_database():
    """Point the connection at a closed port, as if PostgreSQL were down."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="9")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(original)


# SQLite's in-memory test database cannot be disconnected; the middleware test below covers it.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database server to take away")
@pytest.mark.django_db(transaction=True)
def test_requests_fail_with_503_while_the_database_is_unreachable_then_work_again(client, report, annotator):
    client.force_login(annotator)
    page = reverse("annotations:report-read", args=[report.uuid])
    passage = report.passages.first()
    with unreachable_database():
        reading = client.get(page)
        comment = client.post(reverse("annotations:comment-create", args=[passage.uuid]), {"body": "lost?"})
    assert reading.status_code == 503
    assert reading["Retry-After"] == "5"
    assert b"Nothing was saved" in reading.content
    assert b"port 9" not in reading.content
    assert comment.status_code == 503
    assert client.get(page).status_code == 200
    assert not Comment.objects.exists()


def process(exception):
    return DatabaseUnavailableMiddleware(lambda request: None).process_exception(RequestFactory().get("/"), exception)


def test_a_database_that_cannot_be_reached_is_a_503():
    assert process(OperationalError("database is locked")).status_code == 503


def test_other_database_errors_are_left_to_djangos_500():
    assert process(IntegrityError("duplicate key")) is None
