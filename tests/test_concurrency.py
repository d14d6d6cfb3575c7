"""Several people writing at the same moment: run with threads against PostgreSQL (SQLite
serialises writers, so the race cannot happen there and these tests are skipped)."""

import threading

import pytest
from django.db import OperationalError, connection

from annotations import services
from annotations.demo import SEED_REPORT
from annotations.importing.load import import_report_file
from annotations.models import Comment, Passage, Report, Source, SourceLink, Tag, TaggedPassage
from tests.conftest import make_member, make_report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for real concurrent writers"),
]


def run_together(functions):
    """Start the functions in threads at the same instant; re-raise the first error."""
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait()
            function()
        except Exception as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_two_people_adding_the_same_new_tag_yield_one_tag_and_one_link(workspace):
    passage = make_report(workspace).passages.first()
    users = [make_member(workspace, f"user{i}", "annotator") for i in range(6)]
    for attempt in range(5):
        name = f"Afghanistan spillover {attempt}"
        run_together([lambda u=u, n=name: services.passage_add_tag(passage=passage, name=n, user=u) for u in users])
        assert Tag.objects.filter(name__iexact=name).count() == 1
        assert TaggedPassage.objects.filter(content_object=passage, tag__name=name).count() == 1


def test_concurrent_status_changes_with_the_same_version_one_wins_one_conflicts(workspace):
    passage = make_report(workspace).passages.first()
    outcomes = []

    def change(status):
        try:
            services.passage_set_status(passage=passage, status=status, expected_version=1)
            outcomes.append(status)
        except services.EditConflict:
            outcomes.append("conflict")

    run_together([lambda: change("approved"), lambda: change("flagged")])
    assert sorted(outcomes) in (["approved", "conflict"], ["conflict", "flagged"])
    passage = Passage.objects.get(pk=passage.pk)
    assert passage.version == 2
    assert passage.status in outcomes


def test_importing_a_report_while_others_annotate_another_one(workspace, other_workspace, curator):
    annotated = make_report(workspace, passages=5)
    passages = list(annotated.passages.order_by("order"))
    users = [make_member(workspace, f"annotator{i}", "annotator") for i in range(4)]
    imported = threading.Event()
    done = {user.pk: 0 for user in users}

    def import_seed():
        try:
            import_report_file(SEED_REPORT, workspace=workspace, imported_by=curator)
        finally:
            imported.set()

    def annotate(user):
        # Keep writing until the import has finished, so every write overlaps it.
        while not imported.is_set() or done[user.pk] < 5:
            passage = passages[done[user.pk] % len(passages)]
            services.passage_add_tag(passage=passage, name=f"theme {user.username} {done[user.pk]}", user=user)
            services.comment_create(passage=passage, author=user, body=f"note {done[user.pk]}")
            done[user.pk] += 1

    run_together([import_seed] + [lambda u=u: annotate(u) for u in users])
    seed = Report.objects.exclude(pk=annotated.pk).get(workspace=workspace)
    alone = import_report_file(SEED_REPORT, workspace=other_workspace).report  # the same file, undisturbed
    assert list(seed.passages.order_by("order").values_list("order", "text")) == list(
        alone.passages.order_by("order").values_list("order", "text")
    )
    for user in users:
        assert TaggedPassage.objects.filter(added_by=user, content_object__report=annotated).count() == done[user.pk]
        assert Comment.objects.filter(author=user, passage__report=annotated).count() == done[user.pk]
    assert not TaggedPassage.objects.filter(content_object__report=seed).exists()


def test_two_people_linking_the_same_new_source_yield_one_source(workspace):
    passages = list(make_report(workspace, passages=6).passages.all())
    users = [make_member(workspace, f"linker{i}", "annotator") for i in range(6)]

    def link(user, passage, url):
        source, _ = services.source_get_or_create(workspace=workspace, url=url, title="RATS annual report")
        services.source_link_create(passage=passage, source=source, user=user)

    for attempt in range(5):
        url = f"https://example.org/rats-annual-report-{attempt}"
        run_together([lambda u=u, p=p, url=url: link(u, p, url) for u, p in zip(users, passages, strict=True)])
        assert Source.objects.filter(workspace=workspace, url=url).count() == 1
        assert SourceLink.objects.filter(source__url=url).count() == len(passages)


def test_linking_a_new_source_does_not_wait_for_an_import_into_the_same_workspace(workspace, curator):
    """The importer locks its workspace row to serialise imports; that lock must not also block the
    foreign-key check of a new source in the workspace for as long as a big report takes."""
    outcome = []

    def add_source(stage, done, total):  # called inside the import's transaction, after the lock
        def add():
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '3s'")
                source, _ = services.source_get_or_create(
                    workspace=workspace, url=f"https://example.org/during-import/{done}", title="Found meanwhile"
                )
                outcome.append(source.title)
            except OperationalError as exc:
                outcome.append(str(exc))
            finally:
                connection.close()

        thread = threading.Thread(target=add)
        thread.start()
        thread.join()

    import_report_file(SEED_REPORT, workspace=workspace, imported_by=curator, progress=add_source)
    assert outcome
    assert set(outcome) == {"Found meanwhile"}


def test_two_uploads_of_the_same_file_at_once_create_one_report(workspace, curator):
    results = []
    run_together([lambda: results.append(import_report_file(SEED_REPORT, workspace=workspace)) for _ in range(3)])
    assert Report.objects.filter(workspace=workspace).count() == 1
    assert sorted(result.created for result in results) == [False, False, True]
