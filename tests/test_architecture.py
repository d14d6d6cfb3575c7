"""The one-way imports the README's architecture section draws, checked on the source: a module
that imports against an arrow fails here, with its name."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "annotations"


def app_imports(path):
    """The app modules `path` imports, as dotted names under annotations (relative imports resolved)."""
    package = ["annotations", *path.parent.relative_to(APP).parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("annotations.")}


def modules(*patterns):
    return [path for pattern in patterns for path in sorted(APP.glob(pattern)) if "migrations" not in path.parts]


def offenders(paths, forbidden):
    return sorted(
        f"{path.relative_to(APP)} imports {name}"
        for path in paths
        for name in app_imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_only_the_api_borrows_from_the_views():
    below_views = [p for p in modules("**/*.py") if p.parts[len(APP.parts)] not in ("views", "api", "urls.py")]
    assert offenders(below_views, ["annotations.views"]) == []


def test_the_api_borrows_only_the_scoping_of_the_views():
    borrowed = {name for path in modules("api/*.py") for name in app_imports(path) if ".views." in name}
    assert {name.rsplit(".", 1)[0] for name in borrowed} <= {"annotations.views.scoping"}


def test_models_import_nothing_of_the_app_but_links():
    assert {name.rsplit(".", 1)[0] for name in app_imports(APP / "models.py")} <= {"annotations.links"}


def test_services_and_the_data_layer_import_no_admin_api_or_commands():
    layers = modules("services.py", "permissions.py", "reading.py", "search.py", "versioning.py", "sharing/*.py")
    forbidden = ["annotations.admin", "annotations.admin_site", "annotations.api", "annotations.management"]
    assert offenders(layers, forbidden) == []


def test_parsers_import_no_django():
    parsers = [p for p in modules("importing/*.py") if p.name != "load.py"]
    using_django = sorted(
        str(path.relative_to(APP))
        for path in parsers
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            name.split(".")[0] == "django"
            for name in ([node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names])
        )
    )
    assert using_django == []
    assert offenders(parsers, ["annotations.models", "annotations.services"]) == []


def test_no_view_is_longer_than_40_lines():
    # A view handles the request; what it computes lives in services, reading.py or a helper.
    long_views = [
        f"{path.relative_to(APP)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in modules("views/*.py", "api/*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef)
        and node.args.args
        and node.args.args[0].arg == "request"
        and node.end_lineno - node.lineno + 1 > 40
    ]
    assert long_views == []
