"""Security headers and settings: CSP, framing, production hardening, safe redirects, login
throttling and upload limits."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from annotations.models import Report

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-used-only-by-this-test-4c89b29bd782fcae-0123456789",
    "ALLOWED_HOSTS": "workbench.example.org",
}


def run_with_production_env(*args, **overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' conftest, for the tests only.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="project.settings", **overrides)
    env = {key: value for key, value in env.items() if value is not None}  # None: leave it unset
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# Settings read in a production process, all in one start (each start of Django costs seconds).
READ_SETTINGS = """
import json, sys, django
django.setup()
from django.conf import settings
from huey.contrib.djhuey import HUEY
shown = {name: repr(getattr(settings, name)) for name in sys.argv[1:]}
print(json.dumps({**shown, "HUEY": type(HUEY).__name__}))
"""
SETTINGS_READ = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
]


def read_production_settings(tmp_path_factory, **overrides):
    jobs = tmp_path_factory.mktemp("jobs") / "jobs.sqlite3"
    result = run_with_production_env("-c", READ_SETTINGS, *SETTINGS_READ, JOBS_SQLITE_PATH=str(jobs), **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The settings of a production process, DEBUG left unset."""
    return read_production_settings(tmp_path_factory, DEBUG=None)


@pytest.fixture(scope="module")
def production_with_services(tmp_path_factory):
    """The settings of a production process behind a trusted proxy, with a Redis job queue."""
    return read_production_settings(
        tmp_path_factory, TRUSTED_PROXIES="10.0.0.1", JOBS_REDIS_URL="redis://127.0.0.1:6379/13"
    )


def test_deploy_check_passes_with_production_environment():
    result = run_with_production_env("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name, expected",
    [
        ("SESSION_COOKIE_SECURE", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
        ("SECURE_SSL_REDIRECT", "True"),
        ("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True"),
        ("DEBUG", "False"),
    ],
)
def test_production_settings_are_hardened(production, name, expected):
    assert production[name] == expected


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_production_env("manage.py", "check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_pages_send_csp_without_inline_scripts_and_refuse_framing(client, viewer, report):
    client.force_login(viewer)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["default-src"]
    assert "unsafe-eval" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_login_page_sends_the_same_headers(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_next_redirects_only_to_this_host(client, viewer, next_url):
    response = client.post(reverse("login"), {"username": "vera", "password": "pw-for-tests-only", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_login_next_to_a_page_of_this_site_is_followed(client, viewer, report):
    response = client.post(
        reverse("login"),
        {"username": "vera", "password": "pw-for-tests-only", "next": report.get_absolute_url()},
    )
    assert response["Location"] == report.get_absolute_url()


def test_anonymous_request_redirects_to_login_with_a_local_next(client, report):
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={report.get_absolute_url()}"


def test_repeated_wrong_passwords_lock_the_login_with_a_clear_message(client, viewer):
    wrong = {"username": "vera", "password": "not-the-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), wrong).status_code == 200
    locked = client.post(reverse("login"), wrong)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert f"After {settings.AXES_FAILURE_LIMIT} wrong passwords" in locked.content.decode()

    # Even the right password is refused while the lock holds; the session stays anonymous.
    right = client.post(reverse("login"), {"username": "vera", "password": "pw-for-tests-only"})
    assert right.status_code == 429
    assert client.get(reverse("annotations:home")).status_code == 302


def test_lockout_is_per_username_so_other_people_still_log_in(client, viewer, annotator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "vera", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "anna", "password": "pw-for-tests-only"})
    assert response.status_code == 302


def test_a_successful_login_resets_the_failure_count(client, viewer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "vera", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "vera", "password": "pw-for-tests-only"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "vera", "password": "wrong"}).status_code == 200


def test_data_upload_limit_is_set():
    assert 0 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024


@override_settings(REPORT_MAX_UPLOAD_BYTES=1024)
def test_report_upload_over_the_limit_is_refused_with_a_clear_message(client, curator, workspace):
    client.force_login(curator)
    big = SimpleUploadedFile("big.txt", b"A paragraph of the report.\n\n" * 100, content_type="text/plain")
    response = client.post(reverse("annotations:report-upload", args=[workspace.slug]), {"file": big})
    assert response.status_code == 400
    assert "big.txt: file too large: 3 KB, the limit is 1 KB" in response.content.decode()
    assert not Report.objects.exists()


def test_the_admin_login_is_throttled_too(client, staff_curator):
    wrong = {"username": staff_curator.username, "password": "wrong", "next": "/admin/"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("admin:login"), wrong).status_code == 200
    assert client.post(reverse("admin:login"), wrong).status_code == 429


def test_debug_is_off_unless_set(production):
    assert production["DEBUG"] == "False"  # the deploy check above covers DEBUG=0


def test_without_debug_or_secret_key_the_app_refuses_to_start_and_says_why():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_trusts_no_forwarded_scheme_unless_proxies_are_named(production, production_with_services):
    assert production["SECURE_PROXY_SSL_HEADER"] == "None"
    assert production_with_services["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_deploy_check_passes_behind_a_trusted_proxy():
    result = run_with_production_env(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", TRUSTED_PROXIES="127.0.0.1,10.0.0.0/8"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@override_settings(
    TRUSTED_PROXIES=["10.0.0.1"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_SSL_REDIRECT=True
)
def test_forwarded_proto_counts_only_from_a_trusted_proxy(client):
    login = reverse("login")
    spoofed = client.get(login, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    assert spoofed.status_code == 301
    assert spoofed["Location"].startswith("https://")
    proxied = client.get(login, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.1")
    assert proxied.status_code == 200


def fail_logins(client, username, **meta):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, **meta)


def vera_logs_in(client, remote_addr, forwarded_for):
    """Vera's right password, from `remote_addr` with that X-Forwarded-For: 302 in, 429 locked out."""
    return client.post(
        reverse("login"),
        {"username": "vera", "password": "pw-for-tests-only"},
        REMOTE_ADDR=remote_addr,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_the_proxy_a_lockout_holds_only_the_attackers_address(client, viewer):
    fail_logins(client, "vera", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    attacker = vera_logs_in(client, "10.0.0.1", "203.0.113.66")
    assert attacker.status_code == 429
    vera = vera_logs_in(client, "10.0.0.1", "198.51.100.7")
    assert vera.status_code == 302


@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_a_client_cannot_dodge_the_lockout_by_forging_forwarded_for(client, viewer):
    # Through the proxy, the proxy appends the real address; the forged part on the left is ignored.
    fail_logins(client, "vera", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    forged = vera_logs_in(client, "10.0.0.1", "5.6.7.8, 203.0.113.66")
    assert forged.status_code == 429
    # Straight to the app, not through the proxy, X-Forwarded-For is not believed at all.
    fail_logins(client, "vera", REMOTE_ADDR="203.0.113.99", HTTP_X_FORWARDED_FOR="9.9.9.9")
    direct = vera_logs_in(client, "203.0.113.99", "8.8.8.8")
    assert direct.status_code == 429


@override_settings(
    STORAGES={
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "annotations.staticfiles.CollectedOrPlainStaticFilesStorage"},
    }
)
def test_production_static_storage_works_before_collectstatic(client, tmp_path, settings):
    settings.STATIC_ROOT = tmp_path  # nothing collected here
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'href="/static/annotations/app.css"' in response.content.decode()


def test_jobs_queue_in_sqlite_by_default_and_in_redis_when_configured(production, production_with_services):
    assert production["HUEY"] == "SqliteHuey"
    assert production_with_services["HUEY"] == "RedisHuey"


def environment_without_debug_or_secret_key():
    return {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}


@pytest.mark.parametrize(
    "command",
    [
        ["-c", "import project.wsgi"],
        ["-c", "import project.asgi"],
        ["manage.py", "check", "--deploy"],
        ["manage.py", "runserver", "--noreload", "127.0.0.1:0"],
        ["-m", "gunicorn", "--check-config", "project.wsgi"],
    ],
    ids=["wsgi", "asgi", "check-deploy", "runserver", "gunicorn"],
)
def test_every_entry_point_that_serves_refuses_to_start_without_a_secret_key(command):
    env = environment_without_debug_or_secret_key()
    result = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stdout + result.stderr


def settings_secret_key_in_a_fresh_process():
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    env = environment_without_debug_or_secret_key() | {"DJANGO_SETTINGS_MODULE": "project.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_script_that_only_imports_the_settings_gets_a_throwaway_key_of_its_own():
    first = settings_secret_key_in_a_fresh_process()
    assert len(first) >= 50
    assert first != settings_secret_key_in_a_fresh_process()


SEED_CHECK = ROOT.parent / "shared" / "checks" / "check_seed_import.py"


@pytest.mark.skipif(not SEED_CHECK.exists(), reason="the shared checks are not beside the project")
def test_the_seed_import_check_runs_as_the_guide_says_without_debug(tmp_path):
    # `.venv/bin/python ../shared/checks/check_seed_import.py` from the project root, nothing exported.
    env = environment_without_debug_or_secret_key() | {"TMPDIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "../shared/checks/check_seed_import.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
