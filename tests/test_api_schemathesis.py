"""Schemathesis against the live schema of the REST API: every operation, with generated valid
and invalid input, on a seeded database, must never answer with a server error, and every answer
must match the schema (status code declared, content type and body as declared).

Bounded: few examples per operation and a fixed seed, so it runs in CI in a couple of minutes.
SCHEMATHESIS_MAX_EXAMPLES raises the count for a longer local run.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations import services

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(reading_report, curator, settings):
    """The annotated report of the other tests, and a curator's token that may do everything."""
    settings.API_RATE_LIMIT = "100000/min"
    cache.clear()
    _token, secret = services.api_token_create(user=curator, name="schemathesis")
    passage = reading_report.passages.get(order=1)
    return {
        "token": secret,
        "slug": reading_report.workspace.slug,
        "reports": reading_report.uuid,
        "passages": passage.uuid,
        "highlights": passage.highlights.first().uuid,
        "comments": passage.comments.first().uuid,
        "sources": passage.source_links.first().source.uuid,
        "source-links": passage.source_links.first().uuid,
    }


@pytest.fixture
def api_schema(seeded):
    # The app runs in this process, inside the test's transaction: keep Django from closing the
    # connection at the end of each request, as its own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def path_parameters(operation, seeded):
    """Generated path parameters almost never name a record; the seeded ones let the generated
    query strings and bodies reach the code behind the lookup."""
    collection = operation.path.removeprefix("/api/v1/").split("/")[0]
    known = {"slug": seeded["slug"], "username": "anna", "name": "Security", "uuid": seeded.get(collection)}
    names = [parameter.name for parameter in operation.path_parameters]
    return {name: str(known[name]) for name in names if known.get(name) is not None}


def exercise(operation, mode, seeded, cases, failures):
    """Run MAX_EXAMPLES generated cases of one operation in one generation mode."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters(operation, seeded)))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case):
        response = case.call(headers=headers)
        cases[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # noqa: BLE001 - every failure is collected, then reported
            failures.append(f"{case.method} {case.formatted_path} ({mode}): {exc}")

    run()


def test_api_has_no_server_errors_and_no_schema_violations(api_schema, seeded):
    operations, cases, failures = 0, Counter(), []
    for result in api_schema.get_all_operations():
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(result.ok(), mode, seeded, cases, failures)
    print(f"\nschemathesis: {operations} operations, {cases.total()} cases, {len(failures)} failures;"
          f" statuses {dict(sorted(cases.items()))}")  # fmt: skip
    assert operations >= 35
    assert cases.total() >= operations
    assert not failures, "\n".join(failures[:20])
