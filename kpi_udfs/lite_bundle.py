"""``kpi addin lite``: a ``main.py`` (and its ``requirements.txt``) that gives xlwings Lite
every KPI_ function, generated from the registry.

xlwings Lite runs Python in the browser (Pyodide) and only has the ``main.py`` the user
pastes in and the packages listed in its ``requirements.txt``, installed from PyPI or the
Pyodide distribution. kpi-udfs is not on PyPI, so the engine's own source files are
embedded in ``main.py`` as text and imported from memory; only numpy (part of Pyodide)
and opencc-python-reimplemented (a pure-Python wheel on PyPI) are installed.

Each function gets the same ``@func``/``@arg`` decorators as any xlwings Lite function,
written out in full so that the user can read what Excel will show, in the language in
force when the bundle is generated (``kpi --lang zh-CN addin lite``): that language and
its compiled catalogue are baked into ``main.py``, so error reasons come in it too; so are
the other languages' policy labels, since a policy cell may hold a label in any language.
Errors are real Excel errors: the function returns the error code, which xlwings writes
as an error cell; the reason is printed in the xlwings Lite console (Excel error cells
carry no message) and ``KPI_WHY`` returns it in a cell.

Before it imports numpy (or anything else it needs), ``main.py`` checks that it is
installed, and if not says which line to add to requirements.txt.
"""

from __future__ import annotations

import ast
import base64
import gettext
import importlib.metadata
import struct
import sys
from pathlib import Path

from . import __version__, i18n
from .excel_udf import argument_help, description
from .i18n import _
from .registry import KpiFunction, catalogue

PACKAGE = "kpi_udfs"

#: Where the engine starts: the package (which registers every function) and the glue
#: between Excel and the registry. The bundle holds these and every kpi_udfs module they
#: import, directly or not; the desktop-only modules (command line, recalculation,
#: templates, add-in setup) stay out.
ROOTS = ("kpi_udfs", "kpi_udfs.excel_udf")

#: Third-party modules the engine may import → the requirement that provides them in Lite
#: (numpy comes with Pyodide and must not be pinned to a version Pyodide lacks).
REQUIREMENTS = {
    "numpy": ("numpy", False),
    "opencc": ("opencc-python-reimplemented", True),
}


def _package_files() -> dict[str, tuple[bool, Path, str]]:
    """Module name → (is a package, file, path in the package) of every module."""
    root = Path(__file__).resolve().parent
    files = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        files[".".join(parts)] = (is_package, path, path.relative_to(root.parent).as_posix())
    return files


def _parse(source: str) -> ast.Module:
    """``source`` parsed, with the bodies of ``if TYPE_CHECKING:`` blocks left out."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = [ast.Pass()]
    return tree


def _imported(name: str, is_package: bool, tree: ast.Module) -> tuple[set[str], set[str]]:
    """(modules, top-level names) that module ``name`` imports: the candidates are
    resolved against the package later; relative imports are made absolute here."""
    here = name if is_package else name.rpartition(".")[0]
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            modules.add(base)
            modules |= {f"{base}.{a.name}" for a in node.names}
    return modules, {m.split(".")[0] for m in modules}


def engine_sources() -> dict[str, tuple[bool, str, str]]:
    """Module name → (is a package, file path, source) of every engine module: the
    :data:`ROOTS` and every kpi_udfs module they import, with their parent packages."""
    files = _package_files()
    sources: dict[str, tuple[bool, str, str]] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in sources or name not in files:
            continue
        is_package, path, rel = files[name]
        source = path.read_text(encoding="utf-8")
        sources[name] = (is_package, rel, source)
        modules, _names = _imported(name, is_package, _parse(source))
        parents = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}
        todo += [m for m in modules | parents if m.split(".")[0] == PACKAGE]
    return dict(sorted(sources.items(), key=lambda kv: (kv[0] != PACKAGE, kv[0])))


def requirements(sources: dict[str, tuple[bool, str, str]] | None = None) -> list[str]:
    """The requirement lines for the third-party modules the engine imports."""
    sources = engine_sources() if sources is None else sources
    modules = set()
    for name, (is_package, _file, source) in sources.items():
        for mod in _imported(name, is_package, _parse(source))[1]:
            if mod == PACKAGE or mod in sys.stdlib_module_names:
                continue
            if mod not in REQUIREMENTS:
                raise ValueError(
                    f"{name} imports {mod!r}, which xlwings Lite cannot install for it: "
                    "add it to kpi_udfs.lite_bundle.REQUIREMENTS (if it has a pure-Python "
                    "wheel on PyPI or is part of Pyodide) or keep it out of the engine"
                )
            modules.add(mod)
    lines = []
    for mod in sorted(modules):
        dist, pin = REQUIREMENTS[mod]
        lines.append(f"{dist}=={importlib.metadata.version(dist)}" if pin else dist)
    return lines


def requirements_txt() -> str:
    return "\n".join(requirements()) + "\n"


def _text_block(source: str, indent: str) -> str:
    """``source`` as a Python expression, one line of source per line."""
    lines = source.split("\n")
    body = "".join(f"{indent}    {line!r},\n" for line in lines)
    return f'"\\n".join([\n{body}{indent}])'


def _function_code(fn: KpiFunction) -> str:
    lines = ["@func"]
    for p in fn.params:
        lines.append(
            f"@arg({p.name!r}, np.array, ndim=2, dtype=object, empty=None, err_to_str=True, "
            f"doc={argument_help(p)!r})"
        )
    params = ", ".join(p.name if not p.optional else f"{p.name}=None" for p in fn.params)
    values = "".join(f", {p.name}" for p in fn.params)
    lines += [
        f"def {fn.name}({params}):",
        f"    {description(fn)!r}",
        f"    return _kpi({fn.name!r}{values})",
    ]
    return "\n".join(lines)


_HEADER = '''\
"""KPI_ functions for xlwings Lite: {count} functions of kpi-udfs {version}, language {language}.

Generated by `kpi addin lite` from the function registry. Do not edit: generate it again
after updating kpi-udfs (`kpi --lang en|zh-CN|zh-TW addin lite` for another language).
Paste this whole file into the main.py tab of xlwings Lite and add the lines of the
generated requirements.txt to its requirements.txt tab:
{requirements}
The kpi-udfs engine is embedded below (its source files as text, imported from memory),
so nothing else needs installing. An engine error shows as a real Excel error (#N/A,
#VALUE!, ...); its reason is printed in the xlwings Lite console, and
=KPI_WHY("KPI_RATE", C5, D5) shows it in a cell.
"""

import base64
import importlib.abc
import importlib.util
import linecache
import sys

#: Import name -> the requirements.txt line that provides it.
_NEEDS = {needs!r}
_MISSING = [line for module, line in _NEEDS.items() if importlib.util.find_spec(module) is None]
if _MISSING:
    _HINT = {missing_hint!r}.format(lines=", ".join(_MISSING))
    print(_HINT)
    raise ImportError(_HINT)

import numpy as np  # noqa: E402  (checked above)
from xlwings import arg, func  # noqa: E402

#: The language of the help texts and error reasons (baked in when generated).
LANGUAGE = {language!r}

#: True writes errors as "#N/A: reason" text instead of real Excel errors, so that the
#: reason shows in the cell (KPI_ functions still read such text as the error).
ERRORS_AS_TEXT = False

#: Module name -> (is a package, file, source) of the embedded kpi-udfs engine.
_SOURCES = {{
'''

_LOADER = '''\
}}

#: Compiled gettext catalogues (base64) by language: LANGUAGE's with everything the engine
#: says, the others' with the policy labels a cell may hold in any language.
_CATALOGUES = {catalogues}


class _EngineBundle(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Imports the embedded kpi_udfs modules from _SOURCES."""

    kpi_udfs_bundle = True

    def find_spec(self, name, path=None, target=None):
        if name not in _SOURCES:
            return None
        is_package, file, _ = _SOURCES[name]
        spec = importlib.util.spec_from_loader(name, self, origin=file, is_package=is_package)
        spec.has_location = False
        return spec

    def get_source(self, name):
        return _SOURCES[name][2]

    def exec_module(self, module):
        is_package, file, source = _SOURCES[module.__name__]
        module.__file__ = file
        linecache.cache[file] = (len(source), None, source.splitlines(True), file)
        exec(compile(source, file, "exec"), module.__dict__)


def _load_engine():
    """Import the embedded engine afresh (xlwings Lite runs main.py again after each edit)."""
    for name in [m for m in sys.modules if m == "kpi_udfs" or m.startswith("kpi_udfs.")]:
        del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "kpi_udfs_bundle", False)]
    sys.meta_path.insert(0, _EngineBundle())
    import kpi_udfs.i18n

    for language, catalogue in _CATALOGUES.items():
        kpi_udfs.i18n.add_catalogue(language, base64.b64decode(catalogue))
    kpi_udfs.i18n.set_language(LANGUAGE)
    import kpi_udfs.excel_udf

    return kpi_udfs.excel_udf, kpi_udfs.REGISTRY


_udf, _REGISTRY = _load_engine()


def _kpi(name, *values):
    """Call a KPI_ function of the engine and write its result as Excel cells."""
    result = _udf.call(_REGISTRY[name], values)
    for line in _udf.reasons(name, result):  # an error from another cell has no reason here
        print(line)
    return _udf.as_cells(result, _udf.error_text if ERRORS_AS_TEXT else _udf.error_code)
'''


def _mo(messages: dict[str, str]) -> bytes:
    """A compiled gettext catalogue (GNU .mo) of ``messages`` (the header under "")."""
    keys = sorted(messages)
    ids, strs, spans = b"", b"", []
    for k in keys:
        key, value = k.encode("utf-8"), messages[k].encode("utf-8")
        spans.append((len(ids), len(key), len(strs), len(value)))
        ids += key + b"\0"
        strs += value + b"\0"
    n = len(keys)
    id_start = 7 * 4 + 16 * n
    str_start = id_start + len(ids)
    table = [x for o, length, _o, _l in spans for x in (length, o + id_start)]
    table += [x for _o, _l, o, length in spans for x in (length, o + str_start)]
    head = struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
    return head + struct.pack(f"<{4 * n}I", *table) + ids + strs


def engine_catalogue(language: str, sources: dict[str, tuple[bool, str, str]] | None = None) -> bytes:
    """The compiled catalogue of ``language`` cut to what the embedded engine can show: the
    texts of its modules (messages, help) and of the registry; the kpi command's own
    messages, most of the catalogue, stay out of ``main.py``."""
    sources = engine_sources() if sources is None else sources
    texts = {node.value for _name, (_pkg, _file, source) in sources.items() for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    for fn in catalogue():
        texts |= {fn.help, fn.returns, *(p.help for p in fn.params)}
    with open(i18n.catalogue_path(language), "rb") as f:
        full = gettext.GNUTranslations(f)._catalog
    return _mo({k: v for k, v in full.items() if isinstance(k, str) and (k == "" or k in texts)})


def label_catalogue(language: str) -> bytes:
    """The compiled catalogue of ``language`` cut to the labels of the choice arguments: a
    policy cell may hold a label in any language, whatever the language baked in."""
    labels = {label for fn in catalogue() for p in fn.params for label in p.labels}
    with open(i18n.catalogue_path(language), "rb") as f:
        full = gettext.GNUTranslations(f)._catalog
    return _mo({k: v for k, v in full.items() if isinstance(k, str) and (k == "" or k in labels)})


def _catalogues_literal(language: str, sources: dict[str, tuple[bool, str, str]] | None = None) -> str:
    """The ``_CATALOGUES`` literal: ``language``'s engine catalogue (none for English) and the
    label catalogues of the other languages, base64."""
    out = "{\n"
    for lang in i18n.LANGUAGES:
        if lang == i18n.DEFAULT:
            continue
        mo = engine_catalogue(lang, sources) if lang == language else label_catalogue(lang)
        data = base64.b64encode(mo).decode("ascii")
        lines = [data[i : i + 96] for i in range(0, len(data), 96)]
        out += f"    {lang!r}: (\n" + "".join(f"        {line!r}\n" for line in lines) + "    ),\n"
    return out + "}"


def main_py() -> str:
    """The xlwings Lite ``main.py`` in the language in force: the embedded engine and one
    function per registry entry."""
    fns = catalogue()
    language = i18n.language()
    sources = engine_sources()
    reqs = requirements(sources)
    needs = {}
    for mod, (dist, _pin) in REQUIREMENTS.items():
        line = next((r for r in reqs if r.split("==")[0] == dist), None)
        if line is not None:
            needs[mod] = line
    hint = _(
        "kpi-udfs needs {lines}: add each as a line of requirements.txt (the requirements.txt tab "
        "of xlwings Lite), save, and wait until xlwings Lite has installed it."
    )
    parts = [
        _HEADER.format(
            count=len(fns),
            version=__version__,
            language=language,
            requirements="".join(f"    {r}\n" for r in reqs),
            needs=needs,
            missing_hint=hint,
        )
    ]
    for name, (is_package, file, source) in sources.items():
        parts.append(f"    {name!r}: ({is_package!r}, {file!r}, {_text_block(source, '    ')}),\n")
    parts.append(_LOADER.format(catalogues=_catalogues_literal(language, sources)))
    for fn in fns:
        parts.append("\n\n" + _function_code(fn) + "\n")
    return "".join(parts)


def write(out: Path) -> tuple[Path, Path]:
    """Write ``main.py`` and ``requirements.txt`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    main, reqs = out / "main.py", out / "requirements.txt"
    main.write_text(main_py(), encoding="utf-8")
    reqs.write_text(requirements_txt(), encoding="utf-8")
    return main, reqs
