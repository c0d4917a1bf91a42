"""Parse untrusted XML without entity expansion, DTDs or network access."""

from __future__ import annotations

import re
import threading

from lxml import etree

from analysis.ingest.errors import IngestError
from analysis.ingest.sniff import strip_bom

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_local = threading.local()


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared across threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, remove_blank_text=True, remove_comments=True, remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(name: str, data: bytes) -> etree._Element:
    """Root element of `data`; DOCTYPE/entity declarations are refused outright."""
    data = strip_bom(data).lstrip()  # Strava writes whitespace before <?xml
    head_end = data.find(b"<", data.find(b"?>") + 1 if data.startswith(b"<?") else 0)
    if _DOCTYPE.search(data, 0, max(head_end, 0) + 4096):
        raise IngestError(name, "refused: XML with a DOCTYPE or entity declarations "
                                "(GPX and TCX never need them; they can hide entity bombs)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise IngestError(name, f"not well-formed XML ({exc.msg})") from None
    if root is None:
        raise IngestError(name, "empty XML document")
    return root


def compile_xslt(source: bytes) -> etree.XSLT:
    """A stylesheet of our own, with every file and network access denied."""
    return etree.XSLT(etree.XML(source), access_control=etree.XSLTAccessControl.DENY_ALL)


def thread_cached(key: object, build):  # type: ignore[no-untyped-def]
    """`build()` cached per thread under `key` (compiled XSLT is not shared across threads)."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    if key not in cache:
        cache[key] = build()
    return cache[key]
