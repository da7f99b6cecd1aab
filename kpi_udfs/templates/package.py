"""Deterministic .xlsx packages: the same template always gives the same bytes.

openpyxl stamps the save time into docProps/core.xml and zip entries carry the time they
were written. :func:`normalise` rewrites a package with a fixed timestamp in both places,
the entries in a fixed order and one compression level, so a rebuilt template can be
compared byte for byte with the committed one.
"""

from __future__ import annotations

import io
import re
import zipfile

#: The time written into every template (the seeds' appraisal year).
STAMP = "2016-01-01T00:00:00Z"
_ZIP_TIME = (2016, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")

#: Package parts first in the order Excel itself writes them; the rest sorted by name.
_FIRST = ("[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml")


def _order(name: str) -> tuple[int, str]:
    return (_FIRST.index(name), "") if name in _FIRST else (len(_FIRST), name)


def normalise(data: bytes) -> bytes:
    """``data`` (an .xlsx package) with fixed timestamps, entry order and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist(), key=_order):
            body = src.read(name)
            if name == "docProps/core.xml":
                body = _W3CDTF.sub(lambda m: m.group(1) + STAMP.encode() + m.group(3), body)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, body, compresslevel=6)
    return out.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    """Every part of a package by name (for comparing two packages part by part)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}
