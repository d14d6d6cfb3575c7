"""Every save or delete of what a passage shows in the reading view raises the passage's
annotation stamp, so its cached fragment and the ETags derived from it go stale.

Signals rather than calls in each service: the services, the admin's forms and inlines, and
cascading deletes all save through the models, so one receiver per model covers them all. Writes
that skip signals (QuerySet.update, bulk_create) call Passage.objects...touch() themselves
(services.passages_add_tag, the fixture importer).
"""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from .models import Comment, Highlight, Passage, Source, SourceLink, Tag, TaggedHighlight, TaggedPassage


def _touch_own_passage(sender, instance, **kwargs):
    Passage.objects.filter(pk=instance.passage_id).touch()


def _touch_tagged_passage(sender, instance, **kwargs):
    Passage.objects.filter(pk=instance.content_object_id).touch()


def _touch_highlighted_passage(sender, instance, **kwargs):
    Passage.objects.filter(highlights__pk=instance.content_object_id).touch()


def _touch_edited_passage(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    if instance.kind == Passage.Kind.NOTE:
        # Other passages show a note's text in their footnote tooltips.
        Passage.objects.filter(report_id=instance.report_id).touch()
    else:
        Passage.objects.filter(pk=instance.pk).touch()


def _touch_passages_with_tag(sender, instance, created, raw=False, **kwargs):
    """A renamed or recoloured tag changes the chips and marks of every passage that carries it."""
    if created or raw:
        return
    Passage.objects.filter(
        Q(pk__in=TaggedPassage.objects.filter(tag=instance).values("content_object_id"))
        | Q(pk__in=Highlight.objects.filter(tag_links__tag=instance).values("passage_id"))
    ).touch()


def _touch_passages_citing(sender, instance, created, raw=False, **kwargs):
    """An edited source changes how the panels of the passages that link it describe it."""
    if not (created or raw):
        Passage.objects.filter(source_links__source=instance).touch()


def connect():
    for model in (Highlight, Comment, SourceLink):
        post_save.connect(_touch_own_passage, sender=model, dispatch_uid=f"touch-{model.__name__}-save")
        post_delete.connect(_touch_own_passage, sender=model, dispatch_uid=f"touch-{model.__name__}-delete")
    post_save.connect(_touch_tagged_passage, sender=TaggedPassage, dispatch_uid="touch-TaggedPassage-save")
    post_delete.connect(_touch_tagged_passage, sender=TaggedPassage, dispatch_uid="touch-TaggedPassage-delete")
    post_save.connect(_touch_highlighted_passage, sender=TaggedHighlight, dispatch_uid="touch-TaggedHighlight-save")
    post_delete.connect(
        _touch_highlighted_passage, sender=TaggedHighlight, dispatch_uid="touch-TaggedHighlight-delete"
    )
    post_save.connect(_touch_edited_passage, sender=Passage, dispatch_uid="touch-Passage-save")
    post_save.connect(_touch_passages_with_tag, sender=Tag, dispatch_uid="touch-Tag-save")
    post_save.connect(_touch_passages_citing, sender=Source, dispatch_uid="touch-Source-save")
