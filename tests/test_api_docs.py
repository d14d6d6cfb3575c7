"""The API's published schema and its browsable docs."""

import re
from pathlib import Path

import yaml
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent


def test_the_published_schema_is_the_generated_one(client):
    published = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    live = client.get("/api/v1/schema/")
    assert live.status_code == 200
    assert live["Content-Type"].startswith("application/json")
    assert published == live.json(), "docs/openapi.yaml is out of date: run `make openapi`"
    assert published["openapi"].startswith("3.")
    assert "/api/v1/passages/" in published["paths"]
    assert published["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_docs_load_nothing_from_elsewhere(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"
    assert "<script>" not in html  # no inline script: the CSP would block it
    assert '"validatorUrl": null' in html
    assert '"url": "/api/v1/schema/"' in html
