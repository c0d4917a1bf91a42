"""Parse untrusted XML without entity expansion, DTDs or network access."""

from __future__ import annotations

import re
import threading

from lxml import etree

from analysis.ingest.errors import IngestError, reraise_out_of_memory
from analysis.ingest.sniff import XML_PROLOG, strip_bom

_DOCTYPE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_REFUSED = ("refused: XML with a DOCTYPE or entity declarations (GPX and TCX never need "
            "them; they can hide entity bombs or read other files)")
_local = threading.local()


class _NoOutsideFiles(etree.Resolver):
    """Answers every request for an outside DTD or entity (file, URL) with nothing.

    load_dtd=False alone does not stop libxml2 from reading a local external subset or
    parameter entity (it does with collect_ids=False); this resolver does.
    """

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers must not be shared across threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, remove_blank_text=True, remove_comments=True, remove_pis=True,
            collect_ids=False,
        )
        parser.resolvers.add(_NoOutsideFiles())
        _local.parser = parser
    return parser


def parse_xml(name: str, data: bytes) -> etree._Element:
    """Root element of `data`; DOCTYPE/entity declarations are refused outright."""
    data = strip_bom(data).lstrip()  # Strava writes whitespace before <?xml
    # A DOCTYPE may follow any amount of comments and PIs, so the whole prolog is scanned.
    if _DOCTYPE.match(data, XML_PROLOG.match(data).end()):
        raise IngestError(name, _REFUSED)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        reraise_out_of_memory(exc)
        raise IngestError(name, f"not well-formed XML ({exc.msg})") from None
    if root is None:
        raise IngestError(name, "empty XML document")
    if root.getroottree().docinfo.doctype:  # one the byte check cannot see (e.g. UTF-16)
        raise IngestError(name, _REFUSED)
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
