"""The KPI add-in's entries in the xlwings user configuration, put in and taken out again.

The file is ``~/.xlwings/xlwings.conf`` (xlwings.USER_CONFIG_FILE), one ``"KEY","VALUE"``
line per setting, as xlwings writes it (``xlwings config create``, ``update_user_config``)
and reads it: Python's ``xlwings.utils.read_user_config`` takes the first two quoted
strings of a line, and the add-in's VBA (``GetConfigFromFile``) reads the two fields with
``Input #``; both compare keys ignoring case, and read the platform's default text
encoding. The settings used here:

``UDF MODULES``
    ``;``-separated modules that *Import Functions* imports (ours: ``kpi_addin``);
``PYTHONPATH``
    ``;``-separated folders added to ``sys.path`` (ours: the folder of ``kpi_addin.py``);
``INTERPRETER_WIN`` (``INTERPRETER_MAC`` on a Mac)
    the Python that runs the functions (the one kpi-udfs is installed in);
``KPI_LANG``, ``KPI_ERRORS``
    ours: the language of the functions' help and reasons, and whether an error is a
    real Excel error or text (read by :mod:`kpi_udfs.xlwings_addin`; xlwings ignores them).

:func:`install` keeps a byte copy of the previous file (``xlwings.conf.kpi-backup``) and a
note of what it changed (``xlwings.conf.kpi-addin.json``). :func:`uninstall` puts the
previous file back exactly; if the file was edited since, it takes out only our entries
and keeps the backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .i18n import _

UDF_MODULES = "UDF MODULES"
PYTHONPATH = "PYTHONPATH"
#: Settings holding a ";"-separated list, to which we add one item.
LIST_KEYS = (UDF_MODULES, PYTHONPATH)

#: What xlwings reads: the quoted strings of a line (first = key, second = value).
_QUOTED = re.compile(r'"[^"]*"')
#: The encoding xlwings and its VBA read the file in (the platform's default).
ENCODING = "locale"


def interpreter_key() -> str:
    """``INTERPRETER_MAC`` on a Mac, else ``INTERPRETER_WIN`` (classic UDFs need Windows)."""
    return "INTERPRETER_MAC" if sys.platform.startswith("darwin") else "INTERPRETER_WIN"


def default_path() -> Path:
    """The user configuration file xlwings reads."""
    import xlwings

    return Path(xlwings.USER_CONFIG_FILE)


def backup_path(config: Path) -> Path:
    return config.with_name(config.name + ".kpi-backup")


def state_path(config: Path) -> Path:
    return config.with_name(config.name + ".kpi-addin.json")


# ---------------------------------------------------------------------------
# The file format


def _key(line: str) -> str | None:
    quoted = _QUOTED.findall(line)
    return quoted[0].strip('"').lower() if quoted else None


def read_value(text: str, key: str) -> str | None:
    """The value of ``key`` as xlwings' Python reader sees it (the last line wins)."""
    value = None
    for line in text.splitlines():
        quoted = _QUOTED.findall(line)
        if len(quoted) >= 2 and quoted[0].strip('"').lower() == key.lower():
            value = quoted[1].strip('"')
    return value


def set_value(text: str, key: str, value: str | None) -> str:
    """``text`` with ``key`` set to ``value`` (``None`` removes it), other lines untouched.

    The first line of the key is replaced in place and any further ones dropped, so that
    Python (last line wins) and VBA (first line wins) read the same value."""
    if value is not None and '"' in value:
        raise ValueError(_("{key}: xlwings.conf cannot hold a double quote: {value}", key=key, value=value))
    out, done = [], False
    for line in text.splitlines(keepends=True):
        if _key(line) == key.lower():
            if not done and value is not None:
                out.append(f'"{key}","{value}"\n')
            done = True
            continue
        out.append(line)
    if not done and value is not None:
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.append(f'"{key}","{value}"\n')
    return "".join(out)


def _items(value: str | None) -> list[str]:
    return [v for v in (value or "").split(";") if v.strip()]


def _same(a: str, b: str) -> bool:
    return os.path.normcase(a.strip()).casefold() == os.path.normcase(b.strip()).casefold()


# ---------------------------------------------------------------------------
# Install and uninstall


@dataclass(frozen=True)
class Change:
    """One setting the add-in changed: its value before, and what we put in."""

    key: str
    before: str | None
    ours: str | None  # the item we added to a list (None if it was there), or our value
    after: str | None


def _apply(text: str, wanted: dict[str, str]) -> tuple[str, list[Change]]:
    changes = []
    for key, value in wanted.items():
        before = read_value(text, key)
        if key in LIST_KEYS:
            items = _items(before)
            ours = None if any(_same(i, value) for i in items) else value
            after = ";".join(items + ([value] if ours else []))
        else:
            ours = after = value
        text = set_value(text, key, after)
        changes.append(Change(key, before, ours, after))
    return text, changes


def _undo(text: str, entries: dict[str, dict]) -> str:
    """``text`` with our entries taken out, keeping whatever else was changed since."""
    for key, entry in entries.items():
        now = read_value(text, key)
        if key in LIST_KEYS:
            items = [i for i in _items(now) if not (entry["ours"] and _same(i, entry["ours"]))]
            text = set_value(text, key, ";".join(items) if items else entry["before"])
        elif now == entry["ours"]:
            text = set_value(text, key, entry["before"])
    return text


def _read(path: Path) -> str:
    return path.read_text(encoding=ENCODING, errors="surrogateescape") if path.exists() else ""


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding=ENCODING, errors="surrogateescape")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(
    config: Path, module: str, folder: Path, interpreter: str, settings: dict[str, str] | None = None
) -> list[Change]:
    """Add ``module`` (found in ``folder``), ``interpreter`` and our ``settings`` (e.g.
    ``{"KPI_LANG": "zh-CN"}``) to the xlwings configuration."""
    state_file = state_path(config)
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else None
    text = _read(config)
    if state is None:
        created = [str(d) for d in [config.parent, *config.parent.parents] if not d.exists()]
        config.parent.mkdir(parents=True, exist_ok=True)
        if config.exists():
            backup_path(config).write_bytes(config.read_bytes())
        state = {"existed": config.exists(), "created_dirs": created, "entries": {}}
    else:  # installed before: start again from the file without our entries
        text = _undo(text, state["entries"])
    wanted = {UDF_MODULES: module, PYTHONPATH: str(folder), interpreter_key(): interpreter, **(settings or {})}
    text, changes = _apply(text, wanted)
    _write(config, text)
    for c in changes:
        before = state["entries"].get(c.key, {}).get("before", c.before)
        state["entries"][c.key] = {"before": before, "ours": c.ours}
    state["written"] = _digest(config)
    state_file.write_text(json.dumps(state, indent=2, ensure_ascii=False), encoding="utf-8")
    return changes


def uninstall(config: Path) -> str:
    """Take the add-in out of the xlwings configuration; say what was done."""
    state_file = state_path(config)
    if not state_file.exists():
        return _("The KPI add-in is not installed in {path}; nothing to do.", path=str(config))
    state = json.loads(state_file.read_text(encoding="utf-8"))
    backup = backup_path(config)
    if not config.exists():
        state_file.unlink()
        return _("{path} no longer exists; left it so.", path=str(config)) + _kept(backup)
    if _digest(config) == state["written"]:
        if state["existed"]:
            config.write_bytes(backup.read_bytes())
            backup.unlink()
            message = _("Restored {path} as it was before `kpi addin install`.", path=str(config))
        else:
            config.unlink()
            message = _("Removed {path} (there was none before `kpi addin install`).", path=str(config))
        state_file.unlink()
        for folder in map(Path, state["created_dirs"]):  # deepest first
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return message
    _write(config, _undo(_read(config), state["entries"]))
    state_file.unlink()
    return _(
        "{path} was edited after `kpi addin install`: took out only the KPI add-in's entries and kept the "
        "other changes.", path=str(config)
    ) + _kept(backup)


def _kept(backup: Path) -> str:
    """The sentence saying where the file as it was is kept (empty when it is not)."""
    return " " + _("The file as it was before is kept in {path}.", path=str(backup)) if backup.exists() else ""
