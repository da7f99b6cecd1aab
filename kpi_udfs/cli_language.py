"""The ``kpi`` command's own texts in the user's language: the help of every command and
option, and the usage errors.

Help texts are written in English where they belong (a command's docstring, an option's
``help=``, an ``epilog``); :func:`help_texts` lists them from the command tree itself, so
the catalogue extractor (:mod:`kpi_udfs.i18n_build`) takes them as they are, and
:class:`LocalizedGroup` translates the tree just before a help screen is shown (by then
``--lang`` has been read). A usage error (an unknown option, a missing argument, a bad
value) is rebuilt from its parts in the user's language; in English it stays the text of
click/Typer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer.core

from . import i18n
from .i18n import N_, _

#: click's own help of ``--help``, in the catalogue so that it is translated too.
HELP_OPTION_HELP = N_("Show this message and exit.")


_SOURCE = "_kpi_source_help"
#: Where a long run of Chinese help may break: after a full-width punctuation mark, before
#: an opening parenthesis. Rich breaks lines at spaces only, and crops a longer run of
#: characters in the options table ("…"), which a narrow terminal shows often.
_BREAK = re.compile(r"(?<=[，、；：。）])(?=[^\s，、；：。）])|(?<=[^\s（])(?=（)")
_LONG_RUN = re.compile(r"\S{13,}")


def _breakable(text: str) -> str:
    """``text`` with a space at the break points of each run too long for a narrow column."""
    return _LONG_RUN.sub(lambda m: _BREAK.sub(" ", m.group()), text)


def _commands(command: Any) -> Iterator[Any]:
    """``command`` and every command under it."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


def help_texts(command: Any) -> Iterator[tuple[str, str, str]]:
    """(text, module, where) of every help text of a command tree: each command's help,
    short help and epilog, each parameter's help (for the catalogue)."""
    for cmd in _commands(command):
        name = cmd.name or "kpi"
        module = getattr(getattr(cmd, "callback", None), "__module__", None) or __name__
        for attr in ("help", "short_help", "epilog"):
            text = getattr(cmd, attr, None)
            if text:
                yield text, module, f"{name}: {attr}"
        for p in cmd.params:
            if getattr(p, "help", None):
                yield p.help, module, f"{name} {p.name}: help"
    yield HELP_OPTION_HELP, __name__, "--help: help"


def _translated(obj: Any, attr: str) -> None:
    sources = obj.__dict__.setdefault(_SOURCE, {})
    if attr not in sources:
        sources[attr] = getattr(obj, attr, None)
    source = sources[attr]
    if source:
        text = i18n.translate(source)
        setattr(obj, attr, text if text == source else _breakable(text))


def localize(command: Any, ctx: Any = None) -> None:
    """Put every help text of a command tree in the language in force (the English source
    is kept, so the tree can be put in another language later)."""
    for cmd in _commands(command):
        for attr in ("help", "short_help", "epilog"):
            _translated(cmd, attr)
        params = list(cmd.params)
        if ctx is not None:
            help_option = cmd.get_help_option(ctx)
            if help_option is not None:
                params.append(help_option)
        for p in params:
            if hasattr(p, "help"):
                _translated(p, "help")


class LocalizedGroup(typer.core.TyperGroup):
    """The ``kpi`` group: its help, and the help of the command it runs, are shown in the
    language in force."""

    def format_help(self, ctx, formatter) -> None:
        localize(self, ctx)
        super().format_help(ctx, formatter)

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None:  # before the command reads its own --help
            localize(cmd, ctx)
        return name, cmd, rest


def _hint(e: Any) -> str | None:
    """The option or argument an error is about, as click names it ('-o' / '--output')."""
    hint = getattr(e, "param_hint", None)
    param = getattr(e, "param", None)
    if hint is None and param is not None:
        try:
            hint = param.get_error_hint(e.ctx)
        except TypeError:  # Typer's own copy of click takes no context
            hint = param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(repr(h) for h in hint)
    return hint


def usage_message(e: Any) -> str:
    """A usage error in the language in force (click's own text in English)."""
    if i18n.language() == i18n.DEFAULT:
        return e.format_message()
    kind = type(e).__name__
    if kind == "NoSuchOption":
        if getattr(e, "possibilities", None):
            return _("no such option {option}; did you mean {options}?", option=e.option_name,
                     options=", ".join(sorted(e.possibilities)))
        return _("no such option {option}", option=e.option_name)
    hint = _hint(e) if kind in ("MissingParameter", "BadParameter") else None
    if kind == "MissingParameter" and hint:
        what = getattr(e, "param_type", None) or getattr(getattr(e, "param", None), "param_type_name", "")
        if what == "argument":
            return _("missing argument {name}", name=hint)
        if what == "option":
            return _("missing option {name}", name=hint)
        return _("missing parameter {name}", name=hint)
    if kind == "BadParameter" and hint:
        return _("invalid value for {name}: {reason}", name=hint, reason=e.message)
    return e.format_message()
