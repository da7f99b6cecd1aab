"""Open an .xlsx/.xlsm package safely, before anything else reads it.

The file is read once (:func:`read_source`): opened without blocking, refused unless it
is a regular file (a FIFO would hang, a symlink to /dev/zero would never end), read
whole within the size limit, and pinned: :meth:`Source.check_unchanged` tells, before
an output replaces anything, whether another program changed or replaced the file
meanwhile. Everything else (the reader, the writer) works from those bytes.

A workbook may be damaged or hostile (not a zip, truncated, a zip bomb, XML with entity
expansion). :func:`open_package` checks the zip directory against :class:`Limits`
(entry count, declared size of each part and of all parts, compression ratio) before a
byte is decompressed, refuses any XML part that carries a DTD (``<!DOCTYPE``/``<!ENTITY``:
Excel never writes one, and a DTD is how billion-laughs and external-entity attacks
come in), and parses the few parts it needs (relationships, workbook, shared strings)
with defusedxml, entity resolution off and no network.

Reading a part can never yield more than its declared size (``zipfile`` stops there and
checks the CRC), so the declared-size limits bound memory.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ...i18n import _

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_DOC_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"

MiB = 1024 * 1024


class PackageError(Exception):
    """The file cannot be read as a workbook package: damaged, hostile or over a limit."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a crafted file from exhausting memory or time (all configurable)."""

    #: Largest decompressed size of one part (a 10,000-row sheet is about 2–5 MiB).
    max_part_bytes: int = 256 * MiB
    #: Largest decompressed size of all parts together.
    max_total_bytes: int = 1024 * MiB
    #: Largest decompressed/compressed ratio of a part (real sheets stay near 5–15).
    max_ratio: float = 200.0
    #: Parts smaller than this are not ratio-checked (tiny parts compress oddly).
    ratio_min_bytes: int = 1 * MiB
    #: Most entries in the zip directory.
    max_entries: int = 20_000

    def __post_init__(self) -> None:
        for name in ("max_part_bytes", "max_total_bytes", "ratio_min_bytes", "max_entries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        ratio = self.max_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio < 1:
            raise ValueError(f"max_ratio must be a finite number of at least 1, got {ratio!r}")


#: The limits of the run in progress (``kpi recalc --max-*``): every :func:`open_package`
#: called without explicit limits uses them, so the evaluator and the writer, which open
#: the package themselves, read it under the limits the user chose, not the defaults.
_LIMITS: ContextVar[Limits | None] = ContextVar("kpi_package_limits", default=None)


@contextmanager
def limits_in_force(limits: Limits) -> Iterator[Limits]:
    """Make ``limits`` the default of every package opened in this context (thread)."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


def current_limits() -> Limits:
    """The limits in force (:func:`limits_in_force`), else the defaults."""
    return _LIMITS.get() or Limits()


@dataclass(frozen=True)
class Source:
    """A workbook file read once: its bytes and what identified it when it was read."""

    path: Path
    data: bytes
    #: (device, inode, size, modification time in ns) as fstat gave them.
    identity: tuple[int, int, int, int]
    digest: str

    def check_unchanged(self) -> None:
        """Raise :class:`PackageError` if the file at ``path`` is no longer what was read."""
        try:
            now = _read_regular(self.path, len(self.data) + 1)
        except PackageError as e:
            raise PackageError(f"{self.path.name}: " + _("changed while it was being recalculated ({reason})",
                                                          reason=str(e))) from None
        if now[1] != self.identity or hashlib.sha256(now[0]).hexdigest() != self.digest:
            raise PackageError(f"{self.path.name}: " + _(
                "changed while it was being recalculated (another program wrote it); nothing was written, run again"
            ))


def _read_regular(path: Path, max_bytes: int) -> tuple[bytes, tuple[int, int, int, int]]:
    """The bytes of a regular file, never blocking on a FIFO nor reading a device."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise PackageError(f"{path}: " + _("no such file")) from None
    except IsADirectoryError:
        raise PackageError(f"{path}: " + _("is a folder, not a workbook")) from None
    except OSError as e:
        raise PackageError(f"{path}: " + _("cannot be read ({error})", error=e.strerror or e)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise PackageError(f"{path}: " + _("is a folder, not a workbook"))
        if not stat.S_ISREG(st.st_mode):
            raise PackageError(f"{path.name}: " + _("not a regular file (a pipe, socket or device), not a workbook"))
        if st.st_size > max_bytes:
            raise PackageError(f"{path.name}: " + _("{size} bytes, over the limit of {limit}", size=format(st.st_size, ","),
                                                    limit=format(max_bytes, ",")))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise PackageError(f"{path.name}: " + _("grew past the limit of {limit} bytes while being read",
                                                        limit=format(max_bytes, ",")))
        identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        return b"".join(chunks), identity
    except OSError as e:
        raise PackageError(f"{path}: " + _("cannot be read ({error})", error=e.strerror or e)) from None
    finally:
        os.close(fd)


def read_source(path: Path | str, limits: Limits | None = None) -> Source:
    """Read the workbook file once (see the module doc)."""
    path = Path(path)
    limits = limits or current_limits()
    # a zip is never much larger than its parts decompressed: headers and directory aside
    data, identity = _read_regular(path, limits.max_total_bytes + 16 * MiB)
    return Source(path, data, identity, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class SheetRef:
    """A sheet as workbook.xml lists it, with the package part that holds it."""

    name: str
    part: str
    #: "worksheet", "chartsheet", "dialogsheet" or "macrosheet".
    kind: str
    state: str = "visible"


@dataclass
class Package:
    """A validated workbook package, read lazily part by part."""

    path: Path
    zf: zipfile.ZipFile
    limits: Limits
    #: Zip entries in their original order.
    infos: list[zipfile.ZipInfo]
    workbook_part: str
    sheets: list[SheetRef] = field(default_factory=list)
    shared_strings_part: str | None = None
    _names: dict[str, str] = field(default_factory=dict)
    #: Parts already decompressed (a part is inflated once per run).
    _parts: dict[str, bytes] = field(default_factory=dict)
    #: The file's bytes as read once.
    source: Source | None = None

    # -- reading -----------------------------------------------------------------
    def has(self, part: str) -> bool:
        return part.lower() in self._names

    def info(self, part: str) -> zipfile.ZipInfo:
        return self.zf.getinfo(self._names[part.lower()])

    def read(self, part: str) -> bytes:
        """Decompressed bytes of one part (bounded by the limits, CRC checked)."""
        name = self._names.get(part.lower())
        if name is None:
            raise PackageError(f"{self.path.name}: " + _("part {part} is missing from the package", part=part))
        data = self._parts.get(name)
        if data is None:
            data = _read_entry(self.zf, self.zf.getinfo(name), self.limits, self.path)
            if name.lower().endswith((".xml", ".rels")):
                self._parts[name] = data
        return data

    def validate(self) -> None:
        """Full check before evaluation: every part decompresses within the limits (CRC
        checked), no XML part declares a DTD, no worksheet leaves Excel's grid."""
        worksheets = {s.part for s in self.sheets if s.kind == "worksheet"}
        for info in self.infos:
            data = self.read(info.filename)
            lower = info.filename.lower()
            if lower.endswith((".xml", ".rels", ".vml")):
                check_no_dtd(data, info.filename, self.path)
            if info.filename in worksheets:
                check_grid(data, info.filename, self.path)

    def read_xml(self, part: str):
        """Parse one XML part with entity resolution and DTDs forbidden."""
        return parse_xml(self.read(part), part, self.path)

    def worksheet(self, name: str) -> SheetRef:
        for s in self.sheets:
            if s.name == name:
                return s
        for s in self.sheets:  # Excel compares sheet names case-insensitively
            if s.name.casefold() == name.casefold():
                return s
        raise KeyError(name)

    def shared_strings(self) -> list[str]:
        """The shared string table as plain text (rich-text runs joined, phonetic runs left out)."""
        if not self.shared_strings_part or not self.has(self.shared_strings_part):
            return []
        root = self.read_xml(self.shared_strings_part)
        ns = _ns_of(root)
        out: list[str] = []
        for si in root.iter(f"{{{ns}}}si"):
            t = si.find(f"{{{ns}}}t")
            if t is not None:
                out.append(t.text or "")
            else:
                out.append("".join(rt.text or "" for r in si.findall(f"{{{ns}}}r")
                                   for rt in r.findall(f"{{{ns}}}t")))
        return out

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _safe_parser() -> etree.XMLParser:
    """lxml (C, several times faster than defusedxml's Python tree builder) with every door
    shut: no DTD loaded, no entity resolved, nothing fetched, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, part: str, path: Path | None = None):
    """Parse one XML part: a DTD or entity declaration refused (before parsing, in any
    encoding, and after), no entities resolved, nothing fetched."""
    where = f"{path.name}: " if path else ""
    if _DTD.search(data):
        raise PackageError(where + _("{part} declares a DTD or entities (refused: entity expansion risk)", part=part))
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as e:
        raise PackageError(where + _("{part} is not well-formed XML: {reason}", part=part, reason=str(e))) from None
    if root.getroottree().docinfo.internalDTD is not None:  # a DTD the byte search missed (UTF-16)
        raise PackageError(where + _("{part} declares a DTD or entities (refused: entity expansion risk)", part=part))
    return root


def check_no_dtd(data: bytes, part: str, path: Path | None = None) -> None:
    """Refuse an XML part that declares a DTD or entities (Excel never writes one)."""
    if _DTD.search(data):
        where = f"{path.name}: " if path else ""
        raise PackageError(where + _("{part} declares a DTD or entities (refused: entity expansion risk)", part=part))


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: Path) -> bytes:
    if info.file_size > limits.max_part_bytes:
        raise PackageError(f"{path.name}: " + _(
            "part {part} would decompress to {size} bytes, over the limit of {limit}", part=info.filename,
            size=format(info.file_size, ","), limit=format(limits.max_part_bytes, ",")))
    try:
        with zf.open(info) as fh:
            # never ask the decompressor for more than the part declares: a stream that
            # goes on past its declared size must not be inflated into memory first
            data = fh.read(min(info.file_size, limits.max_part_bytes) + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        raise PackageError(f"{path.name}: " + _("part {part} is damaged ({reason})", part=info.filename,
                                                reason=str(e))) from None
    if len(data) > limits.max_part_bytes:  # belt and braces: zipfile already stops at file_size
        raise PackageError(f"{path.name}: " + _("part {part} exceeds the size limit", part=info.filename))
    return data


def _ns_of(root) -> str:
    tag = root.tag
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _resolve(base_part: str, target: str) -> str:
    """A relationship target, relative to its source part's folder or absolute from the root."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def relationships(pkg: Package, part: str) -> list[tuple[str, str, str, str]]:
    """(Id, Type, resolved target part, TargetMode) of a part's relationships."""
    rels_part = _rels_part(part) if part else "_rels/.rels"
    if not pkg.has(rels_part):
        return []
    root = pkg.read_xml(rels_part)
    out = []
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        mode = rel.get("TargetMode", "Internal")
        target = rel.get("Target", "")
        resolved = target if mode == "External" else _resolve(part, target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), resolved, mode))
    return out


def _check_directory(zf: zipfile.ZipFile, limits: Limits, path: Path) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise PackageError(f"{path.name}: " + _("{count} zip entries, over the limit of {limit}",
                                                count=format(len(infos), ","), limit=format(limits.max_entries, ",")))
    seen: set[str] = set()
    total = 0
    for info in infos:
        key = info.filename.lower()
        if key in seen:
            raise PackageError(f"{path.name}: " + _("duplicate zip entry {part} (refused: ambiguous)",
                                                    part=info.filename))
        seen.add(key)
        if info.flag_bits & 0x1:
            raise PackageError(f"{path.name}: " + _("zip entry {part} is encrypted", part=info.filename))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageError(f"{path.name}: " + _("zip entry {part} uses an unsupported compression ({method})",
                                                    part=info.filename, method=info.compress_type))
        if info.file_size > limits.max_part_bytes:
            raise PackageError(f"{path.name}: " + _(
                "part {part} declares {size} bytes decompressed, over the limit of {limit} (zip bomb?)",
                part=info.filename, size=format(info.file_size, ","), limit=format(limits.max_part_bytes, ",")))
        if info.file_size >= limits.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise PackageError(f"{path.name}: " + _(
                    "part {part} has a compression ratio of {ratio}:1, over the limit of {limit}:1 (zip bomb?)",
                    part=info.filename, ratio=format(ratio, ",.0f"), limit=format(limits.max_ratio, ",.0f")))
        total += info.file_size
    if total > limits.max_total_bytes:
        raise PackageError(f"{path.name}: " + _(
            "parts decompress to {size} bytes in total, over the limit of {limit} (zip bomb?)",
            size=format(total, ","), limit=format(limits.max_total_bytes, ",")))
    return infos


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_SHEET_KINDS = {
    "/worksheet": "worksheet",
    "/chartsheet": "chartsheet",
    "/dialogsheet": "dialogsheet",
    "/xlMacrosheet": "macrosheet",
    "/xlIntlMacrosheet": "macrosheet",
}


def open_package(source: Source | Path | str, limits: Limits | None = None) -> Package:
    """Open and validate a workbook package (from the bytes read once, or from a path,
    which is read once first); raise :class:`PackageError` with a clear reason."""
    limits = limits or current_limits()
    if not isinstance(source, Source):
        source = read_source(source, limits)
    path, head = source.path, source.data[:8]
    if head == _OLE_MAGIC:
        raise PackageError(f"{path.name}: " + _(
            "an OLE compound file (a password-protected workbook or a legacy .xls), not an .xlsx/.xlsm package; "
            "save it as .xlsx without a password"))
    try:
        zf = zipfile.ZipFile(io.BytesIO(source.data))
    except zipfile.BadZipFile as e:
        if head.startswith(b"PK"):
            message = _("truncated or damaged zip, not a readable .xlsx/.xlsm ({reason})", reason=str(e))
        else:
            message = _("not a zip package, not a readable .xlsx/.xlsm ({reason})", reason=str(e))
        raise PackageError(f"{path.name}: {message}") from None
    except (OSError, EOFError, ValueError) as e:
        raise PackageError(f"{path.name}: " + _("cannot be read as a zip package ({reason})", reason=str(e))) from None
    try:
        infos = _check_directory(zf, limits, path)
        pkg = Package(path=path, zf=zf, limits=limits, infos=infos, workbook_part="", source=source)
        pkg._names = {i.filename.lower(): i.filename for i in infos}
        _locate_parts(pkg)
    except BaseException:
        zf.close()
        raise
    return pkg


def _locate_parts(pkg: Package) -> None:
    for name in ("[Content_Types].xml", "_rels/.rels"):
        if not pkg.has(name):
            raise PackageError(f"{pkg.path.name}: " + _("{part} is missing: not an Office Open XML package", part=name))
    check_no_dtd(pkg.read("[Content_Types].xml"), "[Content_Types].xml", pkg.path)
    office = [t for _id, typ, t, _m in relationships(pkg, "") if typ.endswith("/officeDocument")]
    if not office or not pkg.has(office[0]):
        raise PackageError(f"{pkg.path.name}: " + _("no workbook part (xl/workbook.xml) in the package"))
    pkg.workbook_part = pkg._names[office[0].lower()]
    rels = {rid: (typ, target) for rid, typ, target, _m in relationships(pkg, pkg.workbook_part)}
    for typ, target in rels.values():
        if typ.endswith("/sharedStrings"):
            pkg.shared_strings_part = target
    root = pkg.read_xml(pkg.workbook_part)
    ns = _ns_of(root)
    rel_ns = STRICT_DOC_REL_NS if ns == STRICT_MAIN_NS else DOC_REL_NS
    sheets_el = root.find(f"{{{ns}}}sheets")
    if sheets_el is None:
        raise PackageError(f"{pkg.path.name}: " + _("workbook.xml lists no sheets"))
    for sh in sheets_el.findall(f"{{{ns}}}sheet"):
        name = sh.get("name", "")
        rid = sh.get(f"{{{rel_ns}}}id", "")
        if rid not in rels:
            raise PackageError(f"{pkg.path.name}: " + _("sheet {sheet} has no relationship {id} in workbook.xml.rels",
                                                        sheet=repr(name), id=repr(rid)))
        typ, target = rels[rid]
        kind = next((k for suffix, k in _SHEET_KINDS.items() if typ.endswith(suffix)), "worksheet")
        if not pkg.has(target):
            raise PackageError(f"{pkg.path.name}: " + _("sheet {sheet} points to missing part {part}", sheet=repr(name),
                                                        part=target))
        pkg.sheets.append(SheetRef(name=name, part=pkg._names[target.lower()], kind=kind,
                                   state=sh.get("state", "visible")))


#: Excel's grid: the last row and column a cell can have.
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr\s*=\s*[\"'](\d+)")
# the same without a namespace prefix: a literal start, which the regex engine finds fast
_PLAIN_ROW_NUMBER = re.compile(rb"<row\b[^>]*?\sr\s*=\s*[\"'](\d+)")
# a cell's r="AAA1" (three letters or more); the character before "r" must be a space
_CELL_COLUMN = re.compile(rb"r\s*=\s*[\"']\$?([A-Za-z]{3,})[0-9]")


def check_grid(data: bytes, part: str, path: Path | None = None) -> None:
    """Refuse a worksheet with a row or column beyond Excel's grid (1,048,576 × XFD).

    Such a file is damaged or crafted (Excel cannot write it), and a reader that walks
    the claimed rows (``<row r="1000000000">``) would run for minutes and fill memory.
    """
    where = f"{path.name}: " if path else ""
    rows = _ROW_NUMBER if b":row" in data else _PLAIN_ROW_NUMBER
    last = max(map(int, rows.findall(data)), default=0)
    if last > MAX_ROW:
        raise PackageError(where + _("{part} has a row {row}, beyond Excel's last row {last} (damaged or crafted)",
                                     part=part, row=format(last, ","), last=format(MAX_ROW, ",")))
    for m in _CELL_COLUMN.finditer(data):  # three letters or more: AAA (703) … XFD (16,384)
        if not data[m.start() - 1:m.start()].isspace():
            continue
        letters = m.group(1).upper()
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        if n > MAX_COLUMN:
            raise PackageError(where + _("{part} has a cell in column {column}, beyond Excel's last column XFD "
                                         "(damaged or crafted)", part=part, column=letters.decode("ascii")))


def validate(source: Source | Path | str, limits: Limits | None = None) -> list[SheetRef]:
    """Open the package and run :meth:`Package.validate`; the sheets in workbook order."""
    with open_package(source, limits) as pkg:
        pkg.validate()
        return list(pkg.sheets)
