"""Each workspace gets its own copy of every tag it uses (issue 10).

The codebook used to be shared by every team. A tag used in one workspace moves to it; a tag used
in several stays with the first (lowest id) and every other workspace gets a copy (same name,
slug, description and colour), its tag links re-pointed to the copy. A tag nobody uses was in
every team's codebook, so every workspace gets one. Historical rows of a tag follow the original.
"""

import uuid

from django.db import migrations

LINKS = (
    ("TaggedPassage", "content_object__report__workspace"),
    ("TaggedHighlight", "content_object__passage__report__workspace"),
    ("TaggedReport", "content_object__workspace"),
)


def give_each_workspace_its_tags(apps, schema_editor):
    Tag = apps.get_model("annotations", "Tag")
    HistoricalTag = apps.get_model("annotations", "HistoricalTag")
    Workspace = apps.get_model("annotations", "Workspace")
    links = [(apps.get_model("annotations", name), path) for name, path in LINKS]
    every_workspace = list(Workspace.objects.order_by("pk").values_list("pk", flat=True))
    for tag in Tag.objects.order_by("pk"):
        used = set()
        for model, path in links:
            used.update(model.objects.filter(tag=tag).values_list(path, flat=True).distinct())
        workspaces = sorted(used) or every_workspace
        if not workspaces:  # no workspace at all: nothing can carry the tag
            tag.delete()
            continue
        tag.uuid, tag.workspace_id = uuid.uuid4(), workspaces[0]
        tag.save(update_fields=["uuid", "workspace"])
        HistoricalTag.objects.filter(id=tag.pk).update(uuid=tag.uuid, workspace_id=tag.workspace_id)
        for workspace_id in workspaces[1:]:
            copy = Tag.objects.create(
                uuid=uuid.uuid4(),
                workspace_id=workspace_id,
                name=tag.name,
                slug=tag.slug,
                description=tag.description,
                color=tag.color,
            )
            for model, path in links:
                model.objects.filter(tag=tag, **{path: workspace_id}).update(tag=copy)


def fold_copies_back(apps, schema_editor):
    """Reverse: one shared tag per name again (the lowest id), carrying every workspace's links."""
    Tag = apps.get_model("annotations", "Tag")
    links = [apps.get_model("annotations", name) for name, _ in LINKS]
    kept = {}
    for tag in Tag.objects.order_by("pk"):
        survivor = kept.setdefault(tag.name.lower(), tag)
        if survivor.pk != tag.pk:
            for model in links:
                model.objects.filter(tag=tag).update(tag=survivor)
            tag.delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_i10_tag_workspace")]

    operations = [migrations.RunPython(give_each_workspace_its_tags, fold_copies_back)]
