import math
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import Greatest
from django.shortcuts import render

from ..models import Comment, Highlight, Membership, SourceLink, Tag, TaggedPassage, count_of
from .scoping import get_report_for_user, get_workspace_for_user


@login_required
def report_heatmap(request, uuid):
    """Tag x section: how many passages of each section carry each tag."""
    report = get_report_for_user(request, uuid)
    sections = list(report.sections.annotate(passage_count=Count("passages")).order_by("order"))
    cells = {
        (row["tag_id"], row["content_object__section_id"]): row["n"]
        for row in TaggedPassage.objects.filter(content_object__report=report)
        .values("tag_id", "content_object__section_id")
        .annotate(n=Count("pk"))
    }
    if any(section_id is None for _, section_id in cells):
        # Passages before the first heading (or in a report without headings) get a column too.
        unsectioned = report.passages.filter(section__isnull=True).count()
        sections.insert(
            0, SimpleNamespace(pk=None, order="none", title="Before the first heading", passage_count=unsectioned)
        )
    tags = list(Tag.objects.filter(pk__in={tag_id for tag_id, _ in cells}))
    peak = max(cells.values(), default=1)
    rows = []
    for tag in tags:
        row = []
        for section in sections:
            n = cells.get((tag.pk, section.pk), 0)
            # Square-root scale: one section with many tagged passages (a list of recommendations,
            # say) would otherwise wash every other cell out to the palest shade.
            row.append({"section": section, "n": n, "level": 0 if not n else 1 + round(4 * math.sqrt(n / peak))})
        rows.append({"tag": tag, "cells": row, "total": sum(c["n"] for c in row)})
    rows.sort(key=lambda r: -r["total"])
    return render(
        request,
        "annotations/report_heatmap.html",
        {"workspace": report.workspace, "report": report, "sections": sections, "rows": rows, "peak": peak},
    )


@login_required
def workspace_activity(request, slug):
    """Per member: what they contributed to this workspace and when they last did."""
    workspace = get_workspace_for_user(request, slug)
    in_workspace = {"passage__report__workspace": workspace}
    members = (
        get_user_model()
        .objects.filter(Exists(Membership.objects.filter(workspace=workspace, user=OuterRef("pk"))))
        .annotate(
            role=Membership.objects.filter(workspace=workspace, user=OuterRef("pk")).values("role")[:1],
            tags_added=count_of(
                TaggedPassage.objects.filter(content_object__report__workspace=workspace, added_by=OuterRef("pk"))
            ),
            highlights_made=count_of(Highlight.objects.filter(**in_workspace, created_by=OuterRef("pk"))),
            comments_written=count_of(Comment.objects.live().filter(**in_workspace, author=OuterRef("pk"))),
            sources_linked=count_of(SourceLink.objects.filter(**in_workspace, added_by=OuterRef("pk"))),
            last_active=Greatest(
                F("date_joined"),
                TaggedPassage.objects.filter(
                    content_object__report__workspace=workspace, added_by=OuterRef("pk")
                ).latest_or("created_at", F("date_joined")),
                Comment.objects.filter(**in_workspace, author=OuterRef("pk")).latest_or("created_at", F("date_joined")),
                Highlight.objects.filter(**in_workspace, created_by=OuterRef("pk")).latest_or(
                    "created_at", F("date_joined")
                ),
            ),
        )
        .order_by("username")
    )
    members = list(members)
    for member in members:
        member.total = member.tags_added + member.highlights_made + member.comments_written + member.sources_linked
    peak = max((m.total for m in members), default=0) or 1
    for member in members:
        member.bar = round(100 * member.total / peak)
    return render(request, "annotations/workspace_activity.html", {"workspace": workspace, "members": members})
