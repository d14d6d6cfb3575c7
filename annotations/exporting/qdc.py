"""The codebook as a REFI-QDA Codebook (.qdc), the XML that NVivo, ATLAS.ti, MAXQDA and QualCoder
exchange codebooks in (namespace urn:QDA-XML:codebook:1.0)."""

import re
import uuid
from xml.etree import ElementTree

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
