"""The codebook as a REFI-QDA Codebook (.qdc), the XML that NVivo, ATLAS.ti, MAXQDA and QualCoder
exchange codebooks in (namespace urn:QDA-XML:codebook:1.0): written from a workspace's tags, and
read (validated against the format's schema) to merge another team's codebook into one.

Codebook.xsd beside this file is ../shared/standards/refi-qda/Codebook.xsd (the REFI-QDA schema,
made well-formed); a test keeps the two identical."""

import io
import re
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import xmlschema

NAMESPACE = "urn:QDA-XML:codebook:1.0"
# GUIDs must stay the same across exports so QDA tools recognise a code they have seen before.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:report-annotation-workbench:codebook")
HEX6 = re.compile(r"#[0-9a-fA-F]{6}")
HEX3 = re.compile(r"#[0-9a-fA-F]{3}")
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def code_guid(name):
    return str(uuid.uuid5(GUID_NAMESPACE, name.lower()))


def rrggbb(color):
    """#RRGGBB, or None for a colour the format cannot carry."""
    if HEX6.fullmatch(color):
        return color.upper()
    if HEX3.fullmatch(color):
        return "#" + "".join(c * 2 for c in color[1:]).upper()
    return None


def codebook_xml(tags):
    """The codebook of `tags` as an XML string; raises ValueError for an empty codebook (the format
    requires at least one code)."""
    ElementTree.register_namespace("", NAMESPACE)
    root = ElementTree.Element(f"{{{NAMESPACE}}}CodeBook", origin="Report annotation workbench")
    codes = ElementTree.SubElement(root, f"{{{NAMESPACE}}}Codes")
    for tag in tags:
        attributes = {"guid": code_guid(tag.name), "name": NOT_XML.sub("", tag.name), "isCodable": "true"}
        color = rrggbb(tag.color)
        if color:
            attributes["color"] = color
        code = ElementTree.SubElement(codes, f"{{{NAMESPACE}}}Code", attributes)
        if tag.description:
            ElementTree.SubElement(code, f"{{{NAMESPACE}}}Description").text = NOT_XML.sub("", tag.description)
    if not len(codes):
        raise ValueError("the codebook is empty: REFI-QDA needs at least one code")
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


SCHEMA = Path(__file__).with_name("Codebook.xsd")
MAX_QDC_BYTES = 2 * 1024 * 1024
MAX_CODES = 2000


class CodebookError(ValueError):
    """Why a .qdc file was refused, in a sentence; nothing was imported."""


@dataclass(frozen=True)
class Code:
    name: str
    description: str
    color: str | None  # #RRGGBB, or None when the file gives none


@cache
def _schema():
    return xmlschema.XMLSchema(str(SCHEMA))


def read_codebook(data: bytes) -> list[Code]:
    """The codes of a REFI-QDA codebook, nested codes included (the hierarchy is flattened), in
    file order. Raises CodebookError for a file that is too large, not XML, refers to entities or
    outside resources, or does not follow the schema."""
    if len(data) > MAX_QDC_BYTES:
        raise CodebookError(f"The file is {len(data):,} bytes; codebooks are at most {MAX_QDC_BYTES:,}.")
    try:
        # No DTDs, entities or outside resources: an uploaded file reads nothing else.
        resource = xmlschema.XMLResource(io.BytesIO(data), defuse="always", allow="none")
        error = next(_schema().iter_errors(resource), None)
    except xmlschema.XMLResourceError as exc:
        raise CodebookError(f"This is not a REFI-QDA codebook: {_first_line(exc)}") from None
    if error is not None:
        raise CodebookError(f"This is not a valid REFI-QDA codebook: {error.reason or error.message}")
    codes = [
        Code(
            name=element.get("name", ""),
            description=(element.findtext(f"{{{NAMESPACE}}}Description") or "").strip(),
            color=rrggbb(element.get("color", "")),
        )
        for element in resource.root.iter(f"{{{NAMESPACE}}}Code")
    ]
    if len(codes) > MAX_CODES:
        raise CodebookError(f"The codebook has {len(codes):,} codes; at most {MAX_CODES:,} are imported at once.")
    return codes


def _first_line(exc):
    return str(getattr(exc, "message", exc)).strip().splitlines()[0]
