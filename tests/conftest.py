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


@pytest.fixture
def staff_curator(curator):
    """The workspace's curator, with access to the admin."""
    curator.is_staff = True
    curator.save(update_fields=["is_staff"])
    return curator


@pytest.fixture
def staff_outsider(outsider):
    """A curator of another workspace, with access to the admin."""
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    return outsider
