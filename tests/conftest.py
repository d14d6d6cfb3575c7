import pytest
from django.contrib.auth import get_user_model

from annotations.models import Membership, Passage, Report, Role, Section, Workspace


@pytest.fixture
def workspace(db):
    return Workspace.objects.create(name="Central Asia team", slug="central-asia")


@pytest.fixture
def other_workspace(db):
    return Workspace.objects.create(name="Other team", slug="other")


def make_member(workspace, username, role):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-only")
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


@pytest.fixture
def viewer(workspace):
    return make_member(workspace, "vera", Role.VIEWER)


@pytest.fixture
def annotator(workspace):
    return make_member(workspace, "anna", Role.ANNOTATOR)


@pytest.fixture
def curator(workspace):
    return make_member(workspace, "carl", Role.CURATOR)


@pytest.fixture
def outsider(other_workspace):
    return make_member(other_workspace, "otto", Role.CURATOR)


def make_report(workspace, passages=3, title="A report"):
    report = Report.objects.create(workspace=workspace, title=title, slug=f"report-{Report.objects.count() + 1}")
    section = Section.objects.create(report=report, order=1, title="Introduction")
    Passage.objects.bulk_create(
        Passage(report=report, section=section, order=i, text=f"Passage number {i} about the SCO and Xinjiang.")
        for i in range(1, passages + 1)
    )
    return report


@pytest.fixture
def report(workspace):
    return make_report(workspace)


def make_annotated_report(workspace, author, passages=20, title="An annotated report"):
    """A report with two sections, a footnote and its note, tags, an overlapping pair of
    highlights, a comment thread with a reply and a source link on the first passage."""
    from annotations import services
    from annotations.models import Source

    report = Report.objects.create(workspace=workspace, title=title, slug=f"annotated-{Report.objects.count() + 1}")
    intro = Section.objects.create(report=report, order=1, title="Introduction")
    notes = Section.objects.create(report=report, order=2, title="Notes", level=2)
    Passage.objects.bulk_create(
        [
            Passage(
                report=report,
                section=intro,
                order=i,
                label=f"{i}." if i % 5 == 0 else "",
                text=f"Passage {i}: China's 上海合作组织 role 🚀 in Центральная Азия and the SCO.",
                footnotes=["1"] if i == 1 else [],
            )
            for i in range(1, passages)
        ]
        + [Passage(report=report, section=notes, order=passages, kind="note", label="1", text="The note's text.")]
    )
    first = report.passages.get(order=1)
    services.passage_add_tag(passage=first, name="Security", user=author)
    services.passage_add_tag(passage=report.passages.get(order=2), name="Energy", user=author)
    services.highlight_create(passage=first, start=11, end=30, user=author, tags=["Security"])
    services.highlight_create(passage=first, start=20, end=40, user=author, comment="Overlapping *span*")
    thread = services.comment_create(passage=first, author=author, body="Is this **right**?")
    services.comment_create(passage=first, author=author, body="Yes.", parent=thread)
    source, _ = services.source_get_or_create(workspace=workspace, url="https://example.org/sco", title="SCO charter")
    services.source_link_create(passage=first, source=source, user=author, footnote="1")
    assert Source.objects.filter(workspace=workspace).count() == 1
    return report


@pytest.fixture
def annotated_report(workspace, annotator):
    return make_annotated_report(workspace, annotator)
