"""Issue 10, item 2: the migration that splits the shared codebook gives each workspace its own
copy of every tag it uses, its links re-pointed, and reverses cleanly."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migration_named(executor, suffix):
    return next(key for key in executor.loader.graph.nodes if key[0] == "annotations" and key[1].endswith(suffix))


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_each_workspace_gets_its_own_copy_of_the_tags_it_uses():
    executor = MigrationExecutor(connection)
    before = migration_named(executor, "_i10_tag_workspace")
    after = migration_named(executor, "_i10_tag_workspace_required")
    leaves = executor.loader.graph.leaf_nodes("annotations")
    try:
        previous = next(iter(executor.loader.graph.node_map[before].parents)).key
        apps = migrate(previous)
        Workspace, Report, Passage = (apps.get_model("annotations", m) for m in ("Workspace", "Report", "Passage"))
        Tag, Highlight = apps.get_model("annotations", "Tag"), apps.get_model("annotations", "Highlight")
        links = {m: apps.get_model("annotations", m) for m in ("TaggedPassage", "TaggedHighlight", "TaggedReport")}
        a, b, _empty = (Workspace.objects.create(name=s, slug=s) for s in ("a", "b", "empty"))
        report_a = Report.objects.create(workspace=a, title="A", slug="a")
        report_b = Report.objects.create(workspace=b, title="B", slug="b")
        passage_a = Passage.objects.create(report=report_a, order=1, text="Text of A")
        passage_b = Passage.objects.create(report=report_b, order=1, text="Text of B")
        highlight_b = Highlight.objects.create(passage=passage_b, start=0, end=4, exact="Text")
        sco = Tag.objects.create(name="SCO", slug="sco", description="Shanghai", color="#123456")
        energy = Tag.objects.create(name="Energy", slug="energy")
        Tag.objects.create(name="Unused", slug="unused")
        links["TaggedPassage"].objects.create(content_object=passage_a, tag=sco)
        links["TaggedPassage"].objects.create(content_object=passage_b, tag=sco)
        links["TaggedReport"].objects.create(content_object=report_a, tag=sco)
        links["TaggedHighlight"].objects.create(content_object=highlight_b, tag=energy)

        apps = migrate(after)
        Tag = apps.get_model("annotations", "Tag")
        codebooks = {
            slug: sorted(Tag.objects.filter(workspace__slug=slug).values_list("name", flat=True))
            for slug in ("a", "b", "empty")
        }
        assert codebooks == {"a": ["SCO", "Unused"], "b": ["Energy", "SCO", "Unused"], "empty": ["Unused"]}
        sco_b = Tag.objects.get(workspace__slug="b", name="SCO")
        assert (sco_b.slug, sco_b.description, sco_b.color) == ("sco", "Shanghai", "#123456")
        assert Tag.objects.get(workspace__slug="a", name="SCO").pk == sco.pk  # the original stays with A
        TaggedPassage = apps.get_model("annotations", "TaggedPassage")
        pairs = {(t.content_object.report.workspace.slug, t.tag.workspace.slug) for t in TaggedPassage.objects.all()}
        assert pairs == {("a", "a"), ("b", "b")}
        assert apps.get_model("annotations", "TaggedReport").objects.get().tag.workspace.slug == "a"
        assert apps.get_model("annotations", "TaggedHighlight").objects.get().tag.workspace.slug == "b"
        assert len(set(Tag.objects.values_list("uuid", flat=True))) == Tag.objects.count()

        apps = migrate(previous)
        Tag = apps.get_model("annotations", "Tag")
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["Energy", "SCO", "Unused"]
        assert apps.get_model("annotations", "TaggedPassage").objects.filter(tag__name="SCO").count() == 2
    finally:
        MigrationExecutor(connection).migrate(leaves)
