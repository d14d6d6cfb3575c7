import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from annotations.models import (
    Comment,
    Highlight,
    Membership,
    Passage,
    Report,
    Role,
    Section,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    Workspace,
)


@pytest.fixture
def within_budget(django_assert_max_num_queries):
    """`within_budget(budget, client.get, url, ..., shows="text")`: the request runs at most `budget`
    queries AND answers `status` with `shows` in it (a string or a list of them). A budget alone
    passes for a 404 or an empty page, which run fewer queries than the page under test."""

    def request(budget, send, *args, shows, status=200, **kwargs):
        with django_assert_max_num_queries(budget):
            response = send(*args, **kwargs)
        assert response.status_code == status
        content = response.content.decode()
        for text in [shows] if isinstance(shows, str) else shows:
            assert text in content
        return response

    return request


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and rendered fragments of one test must not leak into the next."""
    cache.clear()
    yield
    cache.clear()


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
def annotated_report(workspace, annotator, curator):
    """A report with every kind of annotation: tags on the report, passages and highlights, CJK and
    emoji text, a comment thread with replies and a soft-deleted comment, sources and links."""
    report = make_report(workspace, passages=4, title="China's security engagement with Central Asia")
    report.imported_by = curator
    report.source_url = "https://www.uscc.gov/hearings"
    report.save()
    report.tags.add("hearing")
    first, second, third, note = report.passages.order_by("order")
    first.text = "The SCO (上海合作组织) fights the “three evils” 🚩 in Xinjiang (新疆) and Central Asia."
    first.footnotes = ["1"]
    first.status = Passage.Status.IN_REVIEW
    first.save()
    note.kind, note.label, note.text = Passage.Kind.NOTE, "1", '=HYPERLINK("http://evil") see Шанхай report.'
    note.save()
    Tag.objects.create(
        workspace=workspace, name="three evils", slug="three-evils", color="#b91c1c", description="Terrorism & co."
    )
    TaggedPassage.objects.create(content_object=first, tag=Tag.objects.get(name="three evils"), added_by=annotator)
    second.tags.add("SCO")
    start = first.text.index("🚩")
    flag = Highlight.objects.create(
        passage=first,
        start=start,
        end=start + 1,
        created_by=annotator,
        **Highlight.quote_for(first.text, start, start + 1),
    )
    start = first.text.index("新疆")
    xinjiang = Highlight.objects.create(
        passage=first,
        start=start,
        end=start + 2,
        created_by=annotator,
        **Highlight.quote_for(first.text, start, start + 2),
    )
    TaggedHighlight.objects.create(content_object=xinjiang, tag=Tag.objects.get(name="SCO"), added_by=curator)
    thread = Comment.objects.create(passage=first, highlight=flag, author=annotator, body="Is this **the** flag? 🚩")
    Comment.objects.create(passage=first, parent=thread, author=curator, body="+1, yes", resolved=False)
    Comment.objects.create(
        passage=first, parent=thread, author=annotator, body="gone", deleted_at=timezone.now(), edited_at=timezone.now()
    )
    Comment.objects.create(passage=second, author=curator, body="@anna check", resolved=True)
    rats = Source.objects.create(
        workspace=workspace,
        url="https://example.org/rats",
        title="RATS annual report",
        kind=Source.Kind.GOVERNMENT,
        published_on=datetime.date(2014, 5, 1),
    )
    Source.objects.create(workspace=workspace, url="https://example.org/unlinked", title="Not linked yet")
    SourceLink.objects.create(
        passage=first,
        source=rats,
        relation=SourceLink.Relation.SUPPORTS,
        footnote="1",
        highlight=xinjiang,
        added_by=annotator,
        note="-2 percent",
    )
    SourceLink.objects.create(passage=note, source=rats, relation=SourceLink.Relation.CITES)
    return report


SHARED_MODELS = [
    Workspace,
    Membership,
    Tag,
    Report,
    TaggedReport,
    Section,
    Passage,
    TaggedPassage,
    Highlight,
    TaggedHighlight,
    Source,
    SourceLink,
    Comment,
]


def _natural_key(obj):
    if isinstance(obj, Membership):
        return (obj.workspace.slug, obj.user.username)
    return tuple(obj.natural_key())


def deep_dump():
    """Everything that sharing must carry, as plain dicts keyed by natural keys (never pks), read
    through Django's own natural_key() methods so it does not share code with the exporter."""
    dump = {"users": {u.username: (u.first_name, u.last_name) for u in get_user_model().objects.all()}}
    for model in SHARED_MODELS:
        rows = {}
        for obj in model.objects.all():
            fields = {}
            for field in model._meta.concrete_fields:
                # The annotation stamp is this instance's cache key, not shared data.
                if field.primary_key or field.name == "annotation_stamp":
                    continue
                if field.is_relation:
                    related = getattr(obj, field.name)
                    fields[field.name] = related and _natural_key(related)
                else:
                    fields[field.name] = field.value_from_object(obj)
            rows[_natural_key(obj)] = fields
        dump[model._meta.label_lower] = rows
    return dump


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


def make_annotated_report(workspace, author, passages=20, title="An annotated report"):
    """A report with two sections, a footnote and its note, tags, an overlapping pair of
    highlights, a comment thread with a reply and a source link on the first passage."""
    from annotations import services

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
    return report


@pytest.fixture
def reading_report(workspace, annotator):
    return make_annotated_report(workspace, annotator)


def log_in_with_password(client, username, password):
    """Log in through the login form, as a person does (client.login() calls authenticate() without
    the request django-axes needs); fails the test unless the login succeeded."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"login as {username} failed"
