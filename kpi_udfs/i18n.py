"""Text in the user's language: the one way code gets a translated string.

Languages: English (``en``, the source text), simplified Chinese (``zh-CN``) and
traditional Chinese as written in Taiwan (``zh-TW``). The language is, in this order:
the last :func:`set_language` (the ``kpi --lang`` option, or the language baked into an
add-in), else the ``KPI_LANG`` environment variable, else English.

Translations live in standard gettext catalogues under ``kpi_udfs/locale/``: the
``.po`` sources that translators' tools (Poedit, Weblate, Lokalize …) read, and the
compiled ``.mo`` files read here with the standard library's :mod:`gettext`. Nothing is
downloaded or compiled at run time. ``python -m kpi_udfs.i18n_build`` extracts the
messages and compiles the catalogues (see that module).

How code writes a message:

* ``_("text")`` for a fixed text; ``_("{value} is not a number", value=shown)`` for a
  text with values. Values are **named placeholders** in ``str.format`` style, so a
  translation may put them in any order (``"{value} 不是数字"``); never build a message
  from pieces or with an f-string inside ``_()``: the extractor only sees a literal.
* ``N_("text")`` marks a text to be translated later, where it is used (module-level
  constants); the registry's help texts need no mark: they are extracted from the
  registry itself and translated when shown (:func:`translate`).
* A message is one whole sentence per case: ``"known keys are …"`` and ``"known grades
  are …"`` are two messages, not ``"known {what}s"``.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The languages, source language first.
LANGUAGES = ("en", "zh-CN", "zh-TW")
DEFAULT = "en"
#: The environment variable that chooses the language.
ENV = "KPI_LANG"
#: The gettext domain: ``locale/<dir>/LC_MESSAGES/kpi_udfs.mo``.
DOMAIN = "kpi_udfs"
LOCALE_DIR = Path(__file__).resolve().with_name("locale")

#: Other spellings people and systems use for the languages.
_ALIASES = {
    "en": "en", "en-us": "en", "en-gb": "en", "c": "en", "posix": "en",
    "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN", "zh-sg": "zh-CN", "zh": "zh-CN",
    "zh-tw": "zh-TW", "zh-hant": "zh-TW", "zh-hant-tw": "zh-TW",
}  # fmt: skip

_current: str | None = None
_catalogues: dict[str, gettext.NullTranslations] = {}
#: Compiled catalogues handed over in memory (the xlwings Lite bundle has no files).
_supplied: dict[str, bytes] = {}
#: Bumped whenever a catalogue is handed over, so caches of translated text know.
_generation = 0


def normalize(tag: str | None) -> str | None:
    """The language of ``tag`` (``zh_CN``, ``zh-Hans``, ``zh_TW.UTF-8`` …), or None."""
    if not tag:
        return None
    key = str(tag).split(".")[0].split("@")[0].strip().replace("_", "-").lower()
    return _ALIASES.get(key)


def folder(language: str) -> str:
    """The catalogue folder of a language (gettext's spelling: ``zh_CN``)."""
    return language.replace("-", "_")


def language() -> str:
    """The language in force."""
    if _current is not None:
        return _current
    return normalize(os.environ.get(ENV)) or DEFAULT


def chosen() -> str | None:
    """The language set by :func:`set_language` (``kpi --lang``), None when the language in
    force comes from ``KPI_LANG`` or the default: a workbook's own language (``kpi new
    --from``) gives way to the first, not to the second."""
    return _current


def set_language(tag: str | None) -> str:
    """Use ``tag`` from now on (None: back to ``KPI_LANG`` or English); returns the language.

    Raises ValueError naming the languages for a tag that is none of them."""
    global _current
    if tag is None:
        _current = None
        return language()
    lang = normalize(tag)
    if lang is None:
        raise ValueError(f"unknown language {tag!r}: use one of {', '.join(LANGUAGES)}")
    _current = lang
    return lang


@contextmanager
def using(tag: str) -> Iterator[str]:
    """Run a block in another language (e.g. English text for a log or a comparison)."""
    global _current
    before = _current
    lang = set_language(tag)
    try:
        yield lang
    finally:
        _current = before


def add_catalogue(language: str, mo: bytes) -> None:
    """Use the compiled catalogue ``mo`` for ``language`` instead of the file."""
    lang = normalize(language)
    if lang is None:
        raise ValueError(f"unknown language {language!r}")
    global _generation
    _supplied[lang] = mo
    _catalogues.pop(lang, None)
    _generation += 1


def generation() -> int:
    """Changes whenever :func:`add_catalogue` hands a catalogue over (a cache key)."""
    return _generation


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / folder(language) / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _catalogue(lang: str) -> gettext.NullTranslations:
    found = _catalogues.get(lang)
    if found is None:
        if lang == DEFAULT:
            found = gettext.NullTranslations()
        elif lang in _supplied:
            found = gettext.GNUTranslations(io.BytesIO(_supplied[lang]))
        else:
            try:
                with open(catalogue_path(lang), "rb") as f:
                    found = gettext.GNUTranslations(f)
            except OSError:  # a catalogue missing from an install: English, not a crash
                found = gettext.NullTranslations()
        _catalogues[lang] = found
    return found


def translate(text: str, lang: str | None = None) -> str:
    """``text`` (an English source text) in the language in force, or in ``lang``."""
    if not text:
        return text
    return _catalogue(lang or language()).gettext(text)


def _(message: str, /, **values: object) -> str:
    """A message in the language in force, its ``{named}`` placeholders filled in."""
    text = translate(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it (it is translated where used)."""
    return message
