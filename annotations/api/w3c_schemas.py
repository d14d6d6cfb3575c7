"""Annotations posted to the W3C container must pass the "must" assertions of the W3C Web
Annotation test suite: the JSON schemas that also check our exports (vendored beside this file)."""

import functools
import json
import warnings
from pathlib import Path

from jsonschema import Draft4Validator

with warnings.catch_warnings():  # RefResolver is deprecated, but the suite's relative $refs need it
    warnings.simplefilter("ignore", DeprecationWarning)
    from jsonschema import RefResolver

SUITE = Path(__file__).resolve().parent / "web_annotation_schemas"


@functools.cache
def _assertions():
    """(validator, expected to be valid, message) per must-assertion, resolving $refs by file name
    the way the test suite's runner does."""
    files = {path: json.loads(path.read_text(encoding="utf-8")) for path in SUITE.rglob("*.json")}
    by_name = {}
    for path in sorted(files, key=lambda p: p.parent.name != "definitions"):
        by_name.setdefault(path.name, files[path])
    store = {f"file://{folder}/{name}": doc for folder in {p.parent for p in files} for name, doc in by_name.items()}
    store.update({f"file://{path}": doc for path, doc in files.items()})
    test = json.loads((SUITE / "annotations" / "annotationMusts.test").read_text(encoding="utf-8"))
    assertions = []
    for relative in (a for a in test["assertions"] if isinstance(a, str)):
        path = SUITE / relative
        schema = files[path]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = RefResolver(base_uri=f"file://{path}", referrer=schema, store=store)
        message = schema.get("errorMessage", schema.get("title", relative)).removeprefix("ERROR: ")
        assertions.append(
            (Draft4Validator(schema, resolver=resolver), schema.get("expectedResult") != "invalid", message)
        )
    return assertions


def problems(annotation):
    """The messages of the must-assertions `annotation` fails (empty when it passes)."""
    failed = []
    for validator, expect_valid, message in _assertions():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                valid = validator.is_valid(annotation)
            except Exception:  # noqa: BLE001 - an assertion whose $ref the suite itself cannot resolve
                continue
        if valid != expect_valid:
            failed.append(message)
    return failed
