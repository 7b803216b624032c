"""Hikvision ISAPI people counting: CountingStatisticsResult and EventNotificationAlert.

XML is read leniently: the root element's attributes are dropped before parsing (one
firmware writes a broken `xmlns="...XMLSchema version="2.0"`), namespaces are ignored,
CRLF and single-line documents are fine. The text is first read in the encoding a byte
order mark (UTF-16, UTF-32) or the declaration (`encoding="ISO-8859-1"`) gives; a DOCTYPE
or ENTITY declaration is refused, so no entity is ever expanded or fetched.
What becomes what (docs/sensors.md):
* EventNotificationAlert, `statisticalMethods` realTime: `enter`/`exit` are running totals
  at `RealTime/time` -> counter readings (the alert's `dateTime` is only the send time);
* timeRange: `enter`/`exit` are the increment within `TimeRange/startTime..endTime` ->
  interval counts;
* CountingStatisticsResult (`.../counting/search` answer): one interval per matchElement,
  device-local times without offset; an end time ending in :59 is inclusive, so one second
  is added AFTER the end is placed in UTC (00:00:00..00:59:59 -> 00:00..01:00; in the
  repeated DST hour, 02:45:00..02:59:59 of the first pass ends at 03:00 CEST = 01:00 UTC,
  which adding the second to the wall-clock text would get wrong);
* `childCounting`, `pass` and `duplicatePeople` are not loaded (no canonical column);
  `isDataRetransmission` rows load like any other (the upsert de-duplicates);
* a CountingStatisticsDescription (the search request) holds no counts: no rows.
Device: `macAddress` of the alert, else the folder. Line: `channelID` as text (name:
`channelName`); search results carry no channel and map to the sensor's only line.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from typing import Any

from ingestion.sensors.extract import Extract, as_int

SOURCE_FORMAT = "hikvision_isapi_xml"
_ROOT_ATTRS = re.compile(rb"<([A-Za-z_][\w.-]*)(\s[^<>]*?)?(/?)>")
_PREFIX = re.compile(rb"<(/?)[A-Za-z_][\w.-]*:")
_DECLARED = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class UnrecognisedXml(ValueError):
    """Not one of the Hikvision counting documents."""


def parse(content: bytes, ctx: Any) -> Extract:
    root = _lenient_root(content)
    tag = root.tag
    extract = Extract(SOURCE_FORMAT)
    if tag == "EventNotificationAlert":
        extract.is_live = True
        _alert(root, extract, _as_utf8(content).decode("utf-8", "replace"))
    elif tag == "CountingStatisticsResult":
        _search_result(root, extract)
    elif tag == "CountingStatisticsDescription":
        pass  # the search request: no counts
    else:
        raise UnrecognisedXml(f"unrecognised Hikvision XML root <{tag}>")
    return extract


def _as_utf8(content: bytes) -> bytes:
    """The document as UTF-8, read in the encoding it declares: a UTF-16 byte order mark,
    else `encoding="..."` of the XML declaration (ISO-8859-1 firmware), else UTF-8.

    The declaration is dropped before parsing (with the root's broken attributes), so the
    text must be UTF-8 by then. An encoding Python does not know is a LookupError: the
    file is unreadable."""
    for bom, codec in _BOMS:
        if content.startswith(bom):  # the codec reads the mark and the byte order from it
            return content.decode(codec).encode("utf-8")
    content = content.removeprefix(b"\xef\xbb\xbf")
    declared = _DECLARED.match(content)
    if declared is None:
        return content
    codec = codecs.lookup(declared.group(1).decode("ascii"))
    if codec.name in ("utf-8", "ascii"):
        return content
    return content.decode(codec.name).encode("utf-8")


def _lenient_root(content: bytes) -> ET.Element:
    text = _as_utf8(content).strip()
    if _DTD.search(text):  # no Hikvision document has one; entities are never expanded
        raise UnrecognisedXml("a DOCTYPE or ENTITY declaration is refused (no entity "
                              "expansion, no external entities)")
    if text.startswith(b"<?xml"):
        text = text[text.index(b"?>") + 2:].lstrip()
    # drop every element's attributes (xmlns, version): none of them carries data we read
    text = _ROOT_ATTRS.sub(lambda m: b"<" + m.group(1) + m.group(3) + b">", text)
    text = _PREFIX.sub(lambda m: b"<" + m.group(1), text)
    return ET.fromstring(text)


def _find(node: ET.Element, path: str) -> str | None:
    found = node.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _alert(root: ET.Element, extract: Extract, source: str) -> None:
    """One alert: a reading or an interval; `source` is the document's text (for its
    quarantine row, whatever encoding it came in)."""
    counting = root.find("peopleCounting")
    if counting is None or _find(root, "eventType") not in (None, "PeopleCounting"):
        return  # another event type (heartbeat, motion): no counts
    device = _find(root, "macAddress")
    channel = _find(root, "channelID")
    name = _find(root, "channelName")
    method = (_find(counting, "statisticalMethods") or "").lower()
    enter, leave = as_int(_find(counting, "enter")), as_int(_find(counting, "exit"))
    if method == "realtime":
        extract.add_rows("readings", {
            "device_serial": [device], "line_ref": [channel], "line_name": [name],
            "reading_at": [_find(counting, "RealTime/time") or _find(root, "dateTime")],
            "total_in": [enter], "total_out": [leave], "line_no": [None], "raw": [source],
        })
    elif method == "timerange":
        extract.add_rows("counts", {
            "device_serial": [device], "line_ref": [channel], "line_name": [name],
            "period_start": [_find(counting, "TimeRange/startTime")],
            "period_end": [_find(counting, "TimeRange/endTime")],
            "count_in": [enter], "count_out": [leave], "line_no": [None], "raw": [source],
        })
    else:
        raise UnrecognisedXml(f"unknown statisticalMethods {method!r}")


def _search_result(root: ET.Element, extract: Extract) -> None:
    starts, ends, ins, outs, positions, raws = [], [], [], [], [], []
    for i, element in enumerate(root.iter("matchElement"), start=1):
        raws.append(ET.tostring(element, encoding="unicode").strip())
        starts.append(_find(element, "timeSpan/startTime"))
        ends.append(_find(element, "timeSpan/endTime"))
        ins.append(as_int(_find(element, "enterCount")))
        outs.append(as_int(_find(element, "exitCount")))
        positions.append(i)
    extract.inclusive_end = True
    extract.add_rows("counts", {
        "period_start": starts, "period_end": ends, "count_in": ins, "count_out": outs,
        "line_no": positions, "raw": raws,
    })

