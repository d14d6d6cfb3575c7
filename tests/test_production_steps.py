"""The README's production steps, run exactly as written with DEBUG=0, then pages loaded from the
gunicorn they start, as through the TLS proxy the README describes."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.browser import Browser

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- production-steps:"


def readme_steps():
    readme = (ROOT / "README.md").read_text()
    after = readme[readme.index(MARKER) :]
    return re.search(r"```sh\n(.*?)```", after, re.DOTALL).group(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path):
    # The tests' own DEBUG=1 and JOBS_IMMEDIATE=1 stay out: this is production.
    skipped = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "JOBS_IMMEDIATE"}
    env = {key: value for key, value in os.environ.items() if key not in skipped}
    env.update(
        SECRET_KEY="production-steps-test-" + "s" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path}/production.sqlite3",
        STATIC_ROOT=str(tmp_path / "static"),
        JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
        TRUSTED_PROXIES="127.0.0.1",
        DJANGO_SETTINGS_MODULE="project.settings",
    )
    return env


def wait_for(port, server, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the production steps stopped before the server answered"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("gunicorn did not start")


def test_readme_production_steps_serve_pages_with_debug_off(tmp_path):
    port = free_port()
    steps = readme_steps()
    assert "collectstatic" in steps
    assert "migrate" in steps
    assert "check --deploy" in steps
    env = production_env(tmp_path)
    log = open(tmp_path / "steps.log", "w")
    server = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", steps.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(port, server)
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model; from annotations.models import *;"
                "u = get_user_model().objects.create_user('prod', password='pw-for-tests-only');"
                "w = Workspace.objects.create(name='Prod', slug='prod');"
                "Membership.objects.create(workspace=w, user=u, role='curator')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        browser = Browser(port)
        status, login_page, _ = browser.get("/accounts/login/")
        assert status == 200, login_page
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login_page).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), "collectstatic's hashed names are used"
        assert browser.get(stylesheet)[0] == 200

        assert browser.log_in("prod", "pw-for-tests-only") == 302
        status, workspace_page, _ = browser.get("/w/prod/")
        assert status == 200
        assert "Upload a report" in workspace_page

        # An upload is imported by the job worker the steps started.
        status, _, headers = browser.upload(
            "/w/prod/upload/", browser.csrf_token(workspace_page), "brief.txt", b"Brief\n\nA paragraph on the SCO.\n"
        )
        assert status == 302
        deadline = time.monotonic() + 120
        while "hx-trigger" in (job := browser.get(headers["Location"], headers={"HX-Request": "true"})[1]):
            assert time.monotonic() < deadline, "the job worker did not run the import"
            time.sleep(0.5)
        assert "Imported “Brief”: 1 passage." in job

        status, missing, _ = browser.get("/no-such-page/")
        assert status == 404
        assert "URLconf" not in missing
        assert "Traceback" not in missing

        # Plain HTTP reaching the proxy is redirected to HTTPS.
        assert browser.get("/accounts/login/", headers={"X-Forwarded-Proto": "http"})[0] == 301
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
