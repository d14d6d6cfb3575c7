"""The demo data set: the seed report, imported and lightly annotated by a small team.

Built by `manage.py seed_demo` (and so by `make run`). Everything is deterministic — uuids and
timestamps are derived from fixed values — so `fixtures/demo.json` can be kept identical to what
this module builds, and a test checks that it is.
"""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .importing.load import import_report_file
from .models import (
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
    Work,
    Workspace,
)

SEED_REPORT = (
    Path(settings.BASE_DIR) / "fixtures" / "reports" / "china-security-engagement-central-asia-2015-hearing.txt"
)
WORKSPACE_SLUG = "demo"
DEMO_PASSWORD = "annotate-the-hearing"
USERS = [  # username, full name, role
    ("demo", "Dana Demo", Role.CURATOR),
    ("analyst", "Ali Analyst", Role.ANNOTATOR),
    ("reader", "Rosa Reader", Role.VIEWER),
]
TAGS = [  # name, colour, description
    ("SCO", "#1d4ed8", "The Shanghai Cooperation Organisation: its role, bodies (such as RATS) and exercises."),
    (
        "Russia–China rivalry",
        "#b91c1c",
        "Competition, mistrust or zero-sum thinking between Russia and China in Central Asia.",
    ),
    ("three evils", "#7c3aed", "China's frame of separatism, terrorism and religious extremism (三股势力)."),
    ("Afghanistan spillover", "#c2410c", "Risk that instability in Afghanistan spreads into Central Asia or Xinjiang."),
    ("recommendation", "#15803d", "A policy recommendation the testimony addresses to the U.S. or others."),
    ("Xinjiang", "#0f766e", "China's western province: Uighur policy, trade and internal security."),
    ("military cooperation", "#a16207", "Exercises, arms sales, military aid and training."),
]
# Which passages carry which tags: a tag goes on every passage whose text contains one of the phrases.
TAG_PHRASES = {
    "SCO": ["Shanghai Cooperation Organization", "RATS", "SCO plays an important role"],
    "Russia–China rivalry": ["zero-sum game", "Sino-Russian relations", "partner of necessity"],
    "three evils": ["three evils", "three evil forces"],
    "Afghanistan spillover": ["departure from Afghanistan", "situation in Afghanistan continues", "Afghan extremism"],
    "Xinjiang": ["Xinjiang’s total trade", "Uighur situation in Xinjiang looms"],
    "military cooperation": ["boosted military aid", "impressive number of military exercises", "arms sale"],
}
SOURCES = [  # key, url, title, publisher, kind, notes
    (
        "istanbul",
        "https://en.wikipedia.org/wiki/Heart_of_Asia%E2%80%93Istanbul_Process",
        "Heart of Asia – Istanbul Process",
        "Wikipedia",
        Source.Kind.OTHER,
        "Regional platform on Afghanistan launched in Istanbul in 2011; China hosted the 2014 ministerial.",
    ),
    (
        "rats",
        "https://ecrats.org/en/",
        "Regional Anti-Terrorist Structure of the SCO (RATS)",
        "Shanghai Cooperation Organisation",
        Source.Kind.GOVERNMENT,
        "Headquartered in Tashkent.",
    ),
    (
        "convention",
        "https://www.refworld.org/legal/agreements/sco/2001/en/123303",
        "Shanghai Convention on Combating Terrorism, Separatism and Extremism (2001)",
        "Shanghai Cooperation Organisation",
        Source.Kind.GOVERNMENT,
        "Defines the 'three evils' in SCO law.",
    ),
    (
        "unrcca",
        "https://unrcca.unmissions.org/",
        "UN Regional Centre for Preventive Diplomacy for Central Asia (Joint Plan of Action)",
        "United Nations",
        Source.Kind.GOVERNMENT,
        "",
    ),
]
EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("6f1f7c9e-2b4a-4d8e-9a37-3c1d2e0b5a11")


def passage_containing(report, phrase):
    return Passage.objects.filter(report=report, text__contains=phrase).order_by("order").first()


@transaction.atomic
def build_demo():
    """Create the demo workspace, users, report and annotations; returns the report.
    Does nothing but return the existing report when the demo workspace already has one."""
    workspace, _ = Workspace.objects.get_or_create(
        slug=WORKSPACE_SLUG, defaults={"name": "Central Asia security (demo)"}
    )
    existing = workspace.reports.first()
    if existing:
        return existing
    users = {}
    for username, full_name, role in USERS:
        first, last = full_name.split(" ", 1)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            # The curator may open the admin, where the curation screens scope it to its workspace
            # (membership decides there, not Django's model permissions).
            user.is_staff = role == Role.CURATOR
            user.save()
        Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
        users[username] = user
    demo, analyst = users["demo"], users["analyst"]

    report = import_report_file(SEED_REPORT, workspace=workspace, imported_by=demo).report
    report.authors = "Niklas Swanström"
    report.publisher = "U.S.-China Economic and Security Review Commission (hearing testimony)"
    report.published_on = datetime(2015, 3, 18).date()
    report.save()

    for name, color, description in TAGS:
        tag = services.tag_get_or_create(workspace=workspace, name=name)
        tag.color, tag.description = color, description
        tag.save()
    for name, phrases in TAG_PHRASES.items():
        for phrase in phrases:
            for passage in Passage.objects.filter(report=report, text__contains=phrase):
                services.passage_add_tag(passage=passage, name=name, user=analyst)
    for passage in report.passages.filter(kind=Passage.Kind.LIST_ITEM):
        services.passage_add_tag(passage=passage, name="recommendation", user=demo)

    sources = {}
    for key, url, title, publisher, kind, notes in SOURCES:
        sources[key], _ = services.source_get_or_create(
            workspace=workspace, url=url, title=title, publisher=publisher, kind=kind, notes=notes
        )

    evils = passage_containing(report, "three evils,” that is")
    start = evils.text.index("three evils")
    services.highlight_create(
        passage=evils, start=start, end=start + len("three evils"), user=analyst, tags=["three evils"]
    )
    thread = services.comment_create(
        passage=evils,
        author=analyst,
        body="Is *three evils* the official rendering of 三股势力? Worth a footnote in our brief.",
    )
    services.comment_create(
        passage=evils,
        author=demo,
        parent=thread,
        body="Yes: it is the term of the 2001 **Shanghai Convention**. I linked it as a source.",
    )
    services.source_link_create(
        passage=evils, source=sources["convention"], relation=SourceLink.Relation.CONTEXT, footnote="7", user=demo
    )

    rats = passage_containing(report, "anti-terrorist center in Tashkent")
    start = rats.text.index("anti-terrorist center in Tashkent")
    rats_highlight = services.highlight_create(
        passage=rats,
        start=start,
        end=start + len("anti-terrorist center in Tashkent (RATS)"),
        user=analyst,
        tags=["SCO"],
        comment="RATS is the one SCO body the testimony credits with results.",
    )
    services.source_link_create(
        passage=rats,
        source=sources["rats"],
        relation=SourceLink.Relation.CONTEXT,
        highlight=rats_highlight,
        user=analyst,
    )

    sword = passage_containing(report, "kill with a borrowed sword")
    start = sword.text.index("kill with a borrowed sword")
    services.highlight_create(
        passage=sword,
        start=start,
        end=start + len("kill with a borrowed sword “借刀杀人”"),
        user=demo,
        comment="The strategic idiom that sums up the whole testimony.",
    )

    istanbul = passage_containing(report, "such as the Istanbul Process")
    services.source_link_create(
        passage=istanbul, source=sources["istanbul"], relation=SourceLink.Relation.CITES, user=analyst
    )
    recommendation = passage_containing(report, "engage China in the Istanbul Process")
    services.source_link_create(
        passage=recommendation, source=sources["istanbul"], relation=SourceLink.Relation.SUPPORTS, user=analyst
    )
    services.source_link_create(
        passage=recommendation, source=sources["unrcca"], relation=SourceLink.Relation.SUPPORTS, user=analyst
    )
    services.comment_create(
        passage=recommendation,
        author=demo,
        body="Has China actually joined the UN Joint Plan of Action since 2015? Check before we quote this.",
    )
    resolved = services.comment_create(
        passage=passage_containing(report, "Eighty-three percent"),
        author=analyst,
        body="Trade share figures (83% / 80%) need a newer source.",
    )
    services.comment_create(
        passage=resolved.passage, author=demo, parent=resolved, body="Fine for a 2015 testimony; marking resolved."
    )
    services.comment_set_resolved(comment=resolved, resolved=True)

    for phrase, status in [
        ("China has traditionally been reluctant", Passage.Status.APPROVED),
        ("That said, Chinese security engagement", Passage.Status.APPROVED),
        ("Insecurity is the main driver", Passage.Status.IN_REVIEW),
        ("Eighty-three percent", Passage.Status.FLAGGED),
    ]:
        services.passage_set_status(passage=passage_containing(report, phrase), status=status)
    _pin_identities(workspace)
    return Report.objects.get(pk=report.pk)


def _pin_identities(workspace):
    """Give every demo record a uuid and timestamps derived from its position, so two builds of the
    demo are identical (and so is the fixture made from them)."""
    minute = timedelta(minutes=1)
    records = [
        (Work, Work.objects.filter(workspace=workspace).order_by("id")),
        (Report, Report.objects.filter(workspace=workspace).order_by("id")),
        (Tag, Tag.objects.filter(workspace=workspace).order_by("id")),
        (Passage, Passage.objects.filter(report__workspace=workspace).order_by("report_id", "order")),
        (Highlight, Highlight.objects.filter(passage__report__workspace=workspace).order_by("id")),
        (Comment, Comment.objects.filter(passage__report__workspace=workspace).order_by("id")),
        (Source, Source.objects.filter(workspace=workspace).order_by("id")),
        (SourceLink, SourceLink.objects.filter(source__workspace=workspace).order_by("id")),
    ]
    for model, queryset in records:
        for index, obj in enumerate(queryset):
            at = EPOCH + index * minute
            fields = {"uuid": uuid.uuid5(NAMESPACE, f"{model._meta.model_name}:{index}"), "changed_at": at}
            if hasattr(obj, "created_at"):
                fields["created_at"] = at
            if hasattr(obj, "updated_at"):
                fields["updated_at"] = at
            model.objects.filter(pk=obj.pk).update(**fields)
    pinned = {"created_at": EPOCH, "changed_at": EPOCH}
    Workspace.objects.filter(pk=workspace.pk).update(**pinned)
    Membership.objects.filter(workspace=workspace).update(**pinned)
    TaggedPassage.objects.filter(content_object__report__workspace=workspace).update(**pinned)
    TaggedHighlight.objects.filter(content_object__passage__report__workspace=workspace).update(**pinned)
    TaggedReport.objects.filter(content_object__workspace=workspace).update(changed_at=EPOCH)
    Section.objects.filter(report__workspace=workspace).update(changed_at=EPOCH)
    get_user_model().objects.filter(memberships__workspace=workspace).update(date_joined=EPOCH)
