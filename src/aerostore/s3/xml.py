"""S3 XML: a tiny writer for responses and a hardened reader for request bodies.

Reading goes through defusedxml, so entity expansion and external entities are refused
(``MalformedXML``) instead of being expanded.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from aerostore.s3 import errors

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_XML_BYTES = 1024 * 1024

Content = str | int | bool | None | Iterable["tuple[str, Content]"]

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
_ESCAPE_RE = re.compile(r'[&<>"\r\n\t]')


def escape(text: str) -> str:
    if _ESCAPE_RE.search(text) is None:
        return text
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text)


def iso8601(epoch: float) -> str:
    """S3's timestamp format in XML bodies: 2009-10-12T17:50:30.000Z."""
    seconds = int(epoch)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int((epoch - seconds) * 1000):03d}Z"


def _render(name: str, content: Content, out: list[str]) -> None:
    # Exact type checks first: listings render tens of thousands of leaves per request.
    kind = type(content)
    if kind is str:
        out.append(f"<{name}>{escape(content)}</{name}>")  # type: ignore[arg-type]
    elif kind is int:
        out.append(f"<{name}>{content}</{name}>")
    elif content is None:
        return
    elif isinstance(content, bool):
        out.append(f"<{name}>{'true' if content else 'false'}</{name}>")
    elif isinstance(content, str | int):
        out.append(f"<{name}>{escape(str(content))}</{name}>")
    else:
        out.append(f"<{name}>")
        for child_name, child in content:
            _render(child_name, child, out)
        out.append(f"</{name}>")


def document(root: str, content: Content, *, namespace: bool = True) -> bytes:
    """Render ``content`` (nested (name, value) pairs) under ``root`` with the S3 namespace."""
    xmlns = f' xmlns="{S3_NS}"' if namespace else ""
    inner: list[str] = []
    if isinstance(content, str | int | bool):
        _render("_", content, inner)
        inner = [inner[0][3:-4]]
    elif content is not None:
        for name, child in content:
            _render(name, child, inner)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{xmlns}>{"".join(inner)}</{root}>'.encode()


def parse(body: bytes, root: str) -> ET.Element:
    """Parse a request body whose root element must be ``root``; namespaces are dropped."""
    if len(body) > MAX_XML_BYTES:
        raise errors.MaxMessageLengthExceeded()
    if not body.strip():
        raise errors.MalformedXML()
    try:
        element: ET.Element = SafeET.fromstring(body)
    except (ET.ParseError, DefusedXmlException, ValueError):
        raise errors.MalformedXML() from None
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    if element.tag != root:
        raise errors.MalformedXML()
    return element


def text(element: ET.Element, name: str, default: str | None = None) -> str | None:
    child = element.find(name)
    if child is None:
        return default
    return child.text or ""
