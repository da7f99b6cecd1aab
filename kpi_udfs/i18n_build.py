"""The translation catalogues: extract, update, compile and check (maintainers' tool, uses Babel).

``python -m kpi_udfs.i18n_build update``
    Extracts every message into ``locale/kpi_udfs.pot`` and merges it into each
    language's ``.po`` (new messages come in untranslated, changed ones fuzzy), then
    compiles. Translators edit the ``.po`` files with any gettext tool (Poedit, Weblate,
    Lokalize, or a text editor).
``python -m kpi_udfs.i18n_build compile``
    Writes each ``.mo`` from its ``.po`` (the ``.mo`` files are committed: nothing is
    compiled or downloaded at run time).
``python -m kpi_udfs.i18n_build check``
    Lists what is wrong: a message without a translation, a fuzzy one, a placeholder
    missing or invented, a ``.mo`` or the ``.pot`` out of date. The tests run it.

Where messages come from:

* every ``_("…")`` and ``N_("…")`` in the whole ``kpi_udfs`` package (Babel's Python
  extractor), so a module that starts using :mod:`kpi_udfs.i18n` is covered as it is;
* every text of the registry (each function's help and returns, each argument's help),
  read from the registry itself, with the function and argument as a translator comment;
* every help text of the ``kpi`` command (each command's help and exit codes, each
  option's help), read from the command tree (:func:`kpi_udfs.cli_language.help_texts`);
* every text of the appraisal templates (titles, labels, captions, notes), read from their
  descriptions (:meth:`kpi_udfs.templates.spec.Template.words`).
"""

from __future__ import annotations

import io
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from . import i18n

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
TRANSLATED = tuple(lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT)
KEYWORDS = {"_": None, "N_": None}
_HEADER = "Translations of kpi-udfs: KPI_ function help, error reasons, kpi messages and the templates' words."


def po_path(language: str) -> Path:
    return i18n.LOCALE_DIR / i18n.folder(language) / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def _code_messages() -> Iterable[tuple[str, str, int, list[str]]]:
    """(message, file, line, comments) of every ``_()``/``N_()`` in the package."""
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(PACKAGE_DIR), method_map, keywords=KEYWORDS, comment_tags=("i18n:",), strip_comment_tags=True
    ):
        if isinstance(message, str):
            yield message, f"kpi_udfs/{filename}", lineno, list(comments)


def _registry_messages() -> Iterable[tuple[str, str, int, list[str]]]:
    """(text, file, line, comment) of every help text of the registry."""
    import inspect

    from .registry import catalogue

    for fn in catalogue():
        try:
            file = Path(inspect.getsourcefile(fn.impl)).resolve().relative_to(PACKAGE_DIR.parent).as_posix()
            line = inspect.getsourcelines(fn.impl)[1]
        except (TypeError, OSError, ValueError):
            file, line = "kpi_udfs/registry.py", 0
        limit = "Excel shows at most 255 characters."
        yield fn.help, file, line, [f"{fn.name}: what the function does (Insert Function dialog). {limit}"]
        yield fn.returns, file, line, [f"{fn.name}: what the function returns."]
        for p in fn.params:
            yield p.help, file, line, [f"{fn.name}, argument {p.name}: its help. {limit}"]


def _command_messages() -> Iterable[tuple[str, str, int, list[str]]]:
    """(text, file, line, comment) of every help text of the ``kpi`` command."""
    import typer.main

    from .cli import app
    from .cli_language import help_texts

    for text, module, where in help_texts(typer.main.get_command(app)):
        file = module.replace(".", "/") + ".py"
        yield text, file, 0, [f"kpi {where} (keep the options, such as --force, as they are)"]


def _template_messages() -> Iterable[tuple[str, str, int, list[str]]]:
    """(text, file, line, comment) of every text the appraisal templates show in the
    workbook's language, read from their descriptions (titles, labels, captions, notes)."""
    from . import templates
    from .templates.layout import period_section
    from .templates.spec import SAMPLE_MONTH, section_words

    for name in templates.names():
        file = f"kpi_udfs/templates/schemes/{templates.MODULES[name]}.py"
        for text, where in templates.get(name).words():
            yield text, file, 0, [f"template {name}, {where}"]
    for text, where in section_words(period_section(SAMPLE_MONTH)):
        yield text, "kpi_udfs/templates/layout.py", 0, [f"every template, {where}"]


def template() -> Catalog:
    """Every message of the package, as a catalogue template."""
    catalog = Catalog(project="kpi-udfs", header_comment=f"# {_HEADER}", fuzzy=False)
    messages = [*_code_messages(), *_registry_messages(), *_command_messages(), *_template_messages()]
    for message, file, line, comments in messages:
        if not message:
            continue
        existing = catalog.get(message)
        if existing is not None:
            existing.locations.append((file, line))
            for c in comments:
                if c not in existing.auto_comments:
                    existing.auto_comments.append(c)
        else:
            catalog.add(message, locations=[(file, line)], auto_comments=comments)
    return catalog


def _po_text(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    # file names without line numbers: an edit elsewhere in a file changes no catalogue
    write_po(buf, catalog, width=100, sort_output=False, omit_header=False, include_lineno=False)
    return buf.getvalue()


def _ids(catalog: Catalog) -> list[str]:
    return [m.id for m in catalog if m.id]


def _read_template() -> Catalog:
    with open(TEMPLATE, "rb") as f:
        return read_po(f)


def compiled(mo: bytes) -> dict[str, str]:
    """The translations a compiled catalogue holds (as gettext reads them), header left out."""
    import gettext

    return {k: v for k, v in gettext.GNUTranslations(io.BytesIO(mo))._catalog.items() if k}


def read(language: str) -> Catalog:
    with open(po_path(language), "rb") as f:
        return read_po(f, locale=i18n.folder(language), domain=i18n.DOMAIN)


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def update() -> None:
    """Write the template and merge it into every language's catalogue; then compile."""
    pot = template()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(_po_text(pot))
    for lang in TRANSLATED:
        path = po_path(lang)
        if path.exists():
            catalog = read(lang)
            catalog.update(pot, update_header_comment=False)
            catalog.obsolete.clear()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=i18n.folder(lang), domain=i18n.DOMAIN, project="kpi-udfs", fuzzy=False)
            catalog.update(pot)
        path.write_bytes(_po_text(catalog))
    compile_all()


def compile_all() -> None:
    for lang in TRANSLATED:
        i18n.catalogue_path(lang).write_bytes(mo_bytes(read(lang)))


def placeholders(text: str) -> set[str]:
    """The ``{named}`` placeholders of a message."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<malformed>"}


def check(languages: Iterable[str] = TRANSLATED) -> list[str]:
    """Every problem of the catalogues, one line each (empty: all good)."""
    problems = []
    pot = template()
    wanted = {m.id for m in pot if m.id}
    if not TEMPLATE.exists() or _ids(_read_template()) != _ids(pot):
        problems.append(f"{TEMPLATE.name} is out of date: run `python -m kpi_udfs.i18n_build update`")
    for lang in languages:
        if not po_path(lang).exists():
            problems.append(f"{lang}: no catalogue {po_path(lang)}")
            continue
        catalog = read(lang)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted - set(have)):
            problems.append(f"{lang}: not in the catalogue (run update): {msgid!r}")
        for msgid in sorted(wanted & set(have)):
            m = have[msgid]
            if not m.string:
                problems.append(f"{lang}: no translation: {msgid!r}")
            elif m.fuzzy:
                problems.append(f"{lang}: fuzzy (check it and remove the flag): {msgid!r}")
            elif placeholders(m.string) != placeholders(msgid):
                problems.append(
                    f"{lang}: placeholders {sorted(placeholders(m.string))} instead of "
                    f"{sorted(placeholders(msgid))}: {msgid!r}"
                )
        for msgid in sorted(set(have) - wanted):
            problems.append(f"{lang}: no longer used (run update): {msgid!r}")
        mo = i18n.catalogue_path(lang)
        if not mo.exists() or compiled(mo.read_bytes()) != compiled(mo_bytes(catalog)):
            problems.append(f"{lang}: {mo.name} is out of date: run `python -m kpi_udfs.i18n_build compile`")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command != "check":
        print(__doc__)
        return 2
    problems = check()
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
