"""An axe-core audit of every page of the app and the main admin pages, as each role sees them:
no serious or critical violation anywhere.

axe-core is vendored in tests/browser/vendor/ (never fetched at run time) and injected through
page.evaluate of the file's text, because the app's Content-Security-Policy blocks inline scripts.
Run with `-s` to see the per-page summary."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotations import services
from annotations.importing.load import import_report_file
from annotations.models import Job, Role, Workspace
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import make_annotated_report, make_member

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")

# Two versions of a small report: the second drops a tagged paragraph, which leaves an orphan.
V1 = """# Central Asia

## Findings

China's engagement with Central Asia has grown steadily since the 1990s.

Energy pipelines tie Turkmenistan and Kazakhstan to western China.
"""
V2 = """# Central Asia

## Findings

Since independence, China's engagement with Central Asia has grown quickly since the 1990s.
"""


@pytest.fixture
def site(workspace, curator):
    """One of everything a page can show: an annotated report, two versions with an orphan, a
    finished job, an API token, and a member of each role."""
    viewer = make_member(workspace, "vera", Role.VIEWER)
    annotator = make_member(workspace, "anna", Role.ANNOTATOR)
    curator.is_staff = True
    curator.save(update_fields=["is_staff"])
    get_user_model().objects.create_superuser(username="root", password=PASSWORD)
    Workspace.objects.create(name="Other team", slug="other")  # the superuser chooses on the home page
    report = make_annotated_report(workspace, annotator)
    first = import_report_file(V1.encode(), filename="v1.md", workspace=workspace, imported_by=curator).report
    services.passage_add_tag(passage=first.passages.get(text__contains="pipelines"), name="Energy", user=annotator)
    second = import_report_file(
        V2.encode(), filename="v2.md", workspace=workspace, imported_by=curator, new_version_of=first
    ).report
    job = Job.objects.create(
        workspace=workspace,
        kind=Job.Kind.IMPORT_REPORT,
        status=Job.Status.SUCCEEDED,
        created_by=curator,
        message="Imported “An annotated report”: 20 passages.",
        report=report,
        done=20,
        total=20,
    )
    for user in (viewer, annotator, curator):
        services.api_token_create(user=user, name="R analysis script")
    return {
        "workspace": workspace,
        "report": report,
        "passage": report.passages.get(order=1),
        "tag": workspace.tags.get(name="Security"),
        "old": first,
        "new": second,
        "job": job,
        "users": {"viewer": viewer, "annotator": annotator, "curator": curator},
    }


def app_pages(site):
    slug, report = site["workspace"].slug, site["report"]
    pages = {
        "home (workspaces)": reverse("annotations:home"),
        "reports list": reverse("annotations:report-list", args=[slug]),
        "reading view": reverse("annotations:report-read", args=[report.uuid]),
        "passage page": site["passage"].get_absolute_url(),
        "search": reverse("annotations:search") + "?q=SCO",
        "codebook": reverse("annotations:tag-list", args=[slug]),
        "tag page": reverse("annotations:tag-detail", args=[slug, site["tag"].uuid]),
        "heat map": reverse("annotations:report-heatmap", args=[report.uuid]),
        "activity": reverse("annotations:workspace-activity", args=[slug]),
        "members": reverse("annotations:member-list", args=[slug]),
        "tokens": reverse("annotations:token-list"),
        "versions": reverse("annotations:report-read", args=[site["new"].uuid]),
        "compare": reverse("annotations:report-compare", args=[site["new"].uuid]),
        "password change": reverse("password_change"),
        "coded excerpts": reverse("annotations:tag-excerpts", args=[slug]) + f"?tag={site['tag'].uuid}&format=html",
    }
    return pages


def curator_pages(site):
    return {
        "orphans": reverse("annotations:report-orphans", args=[site["new"].uuid]),
        "job page": site["job"].get_absolute_url(),
        "sharing (fixture import, exports)": reverse("annotations:workspace-share", args=[site["workspace"].slug]),
    }


def admin_pages(site):
    return {
        "admin index": reverse("admin:index"),
        "admin passages": reverse("admin:annotations_passage_changelist"),
        "admin passage form": reverse("admin:annotations_passage_change", args=[site["passage"].pk]),
        "admin tags": reverse("admin:annotations_tag_changelist"),
        "admin reports": reverse("admin:annotations_report_changelist"),
        "admin recent changes": reverse("admin:recent_changes"),
        "admin similar tag names": reverse("admin:annotations_tag_similar"),
        "admin jobs": reverse("admin:annotations_job_changelist"),
    }


# References to ids that are not on the page: axe leaves these "incomplete" rather than failing,
# yet a screen reader then reads no description (Django 5.2 points inputs at "<id>_helptext").
BROKEN_REFERENCES_JS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], [aria-controls]")) {
    for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
      for (const id of (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) broken.push(`${attr}=${id}`);
      }
    }
  }
  return broken;
}"""


def audit(page):
    """axe's serious and critical violations on the page as it is now, and references to missing
    ids: {rule id: [targets]}."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE)
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    found = {
        v["id"]: [" ".join(map(str, node["target"])) for node in v["nodes"]]
        for v in violations
        if v["impact"] in BLOCKING
    }
    if broken := page.evaluate(BROKEN_REFERENCES_JS):
        found["broken-id-reference"] = broken
    return found


def visit_and_audit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response.status, audit(page)


def open_the_panel(page, passage):
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')
    page.wait_for_load_state("networkidle")


def report_and_check(role, results):
    print(f"\naxe-core audit as {role}: page | HTTP status | serious+critical violations")
    for name, (status, found) in results.items():
        detail = "; ".join(f"{rule} at {', '.join(targets)}" for rule, targets in found.items())
        print(f"  {name:22} | {status} | {sum(map(len, found.values()))}{' — ' + detail if detail else ''}")
    assert {name: status for name, (status, found) in results.items() if status != 200} == {}
    assert {name: found for name, (status, found) in results.items() if found} == {}


def test_login_page_has_no_serious_accessibility_violations(page, db):
    results = {"login": visit_and_audit(page, reverse("login"))}
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    results["login with error"] = (200, audit(page))
    report_and_check("anonymous", results)


@pytest.mark.parametrize("role", ["viewer", "annotator", "curator", "superuser"])
def test_every_page_has_no_serious_accessibility_violations(page, site, role):
    username = "root" if role == "superuser" else site["users"][role].username
    log_in(page, username)
    results = {}
    for name, url in app_pages(site).items():
        results[name] = visit_and_audit(page, url)
        if name == "reading view":
            open_the_panel(page, site["passage"])
            results["reading view, panel open"] = (200, audit(page))
            if role in ("curator", "superuser"):
                page.click(".metadata-box summary")
                results["reading view, details form open"] = (200, audit(page))
            page.click("[data-shortcuts-open]")
            results["shortcuts dialog"] = (200, audit(page))
        if name == "reports list" and role in ("curator", "superuser"):
            page.click(".upload-box summary")
            results["reports list, upload form open"] = (200, audit(page))
    if role in ("curator", "superuser"):
        for name, url in (curator_pages(site) | admin_pages(site)).items():
            results[name] = visit_and_audit(page, url)
    report_and_check(role, results)


# The focused element's visible focus indicator: an outline or a box-shadow ring.
FOCUS_RING_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== "none";
  const text = (el.textContent || el.name || "").trim().slice(0, 30);
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + text;
  return {visible: outline || ring, name};
}"""


def elements_without_visible_focus(page, url, presses=40):
    """Tab through the page from the top: every element that takes focus shows it."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    unseen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_RING_JS)
        if focused and not focused["visible"]:
            unseen.append(focused["name"])
    return unseen


def test_focus_is_visible_on_every_page(page, site):
    log_in(page, "root")
    pages = app_pages(site) | curator_pages(site) | admin_pages(site)
    unseen = {name: found for name, url in pages.items() if (found := elements_without_visible_focus(page, url))}
    assert unseen == {}


def test_opening_the_panel_moves_focus_to_its_heading(page, site):
    """A screen reader announces the panel when it opens: focus lands on its heading."""
    log_in(page, site["users"]["annotator"].username)
    page.goto(reverse("annotations:report-read", args=[site["report"].uuid]))
    open_the_panel(page, site["passage"])
    assert page.evaluate("() => document.activeElement.id") == "panel-title"


def test_the_panel_heading_keeps_focus_out_of_the_way_after_a_change(page, site):
    """Adding a tag re-renders the panel; the reader is not sent back to its heading then."""
    log_in(page, site["users"]["annotator"].username)
    page.goto(reverse("annotations:report-read", args=[site["report"].uuid]))
    page.focus(f"#p-{site['passage'].uuid}")
    page.keyboard.press("t")
    page.wait_for_selector(f'[data-panel-passage="{site["passage"].uuid}"]')
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.activeElement.id") != "panel-title"


def test_every_page_on_a_phone_in_dark_mode_has_no_serious_accessibility_violations(page, site):
    """The same pages at a phone's width with the dark colour scheme asked for (the admin has one)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    log_in(page, "root")
    pages = app_pages(site) | curator_pages(site) | admin_pages(site)
    report_and_check(
        "superuser, 390 px wide, dark scheme", {name: visit_and_audit(page, url) for name, url in pages.items()}
    )
