"""``kpi addin``: the KPI_ functions inside Excel.

* ``kpi addin install`` / ``uninstall``: classic xlwings on Windows. Writes (and takes out
  again) the xlwings settings that make *Import Functions* load ``addin/kpi_addin.py``.
* ``kpi addin lite``: xlwings Lite (Windows, Mac, Excel on the web). Writes the
  ``main.py`` and ``requirements.txt`` to paste into the xlwings Lite editor.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from .cli_output import fail, stdout_console
from .i18n import _

#: The module name xlwings imports (the file ``kpi_addin.py`` in the add-in folder).
MODULE = "kpi_addin"

app = typer.Typer(
    help="The KPI_ functions in Excel: classic xlwings on Windows (install/uninstall), "
    "xlwings Lite on Windows, Mac and the web (lite).",
    no_args_is_help=True,
    add_completion=False,
)

_CONFIG_HELP = "The xlwings configuration file (default: the one xlwings reads, ~/.xlwings/xlwings.conf)."


def default_addin_dir(config: Path) -> Path:
    """The folder holding ``kpi_addin.py``: the project's ``addin`` folder in a checkout,
    else a ``kpi_addin`` folder beside the xlwings configuration, written on install."""
    checkout = Path(__file__).resolve().parent.parent / "addin"
    if (checkout / f"{MODULE}.py").is_file():
        return checkout
    return config.parent / MODULE


def _addin_module():
    """:mod:`kpi_udfs.xlwings_addin`, imported without letting it change the language: on
    import it sets the add-in's own (from xlwings.conf or KPI_LANG), not `kpi --lang`'s."""
    from . import i18n

    with i18n.using(i18n.language()):
        from . import xlwings_addin
    return xlwings_addin


def _ensure_module(folder: Path) -> None:
    module = folder / f"{MODULE}.py"
    if not module.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        module.write_text(_addin_module().SHIM, encoding="utf-8")


INSTALL_EXIT_CODES_HELP = """Exit codes:
 0  installed
 2  usage error (an --errors value that does not exist)
 4  the configuration or the add-in folder cannot be written
 5  internal error (a bug: please report it)"""


@app.command(epilog=INSTALL_EXIT_CODES_HELP)
def install(
    config: Path = typer.Option(None, "--config", help=_CONFIG_HELP),
    interpreter: str = typer.Option(
        None, "--interpreter", help="The Python that runs the functions (default: this one)."
    ),
    addin_dir: Path = typer.Option(
        None,
        "--addin-dir",
        help=f"The folder holding {MODULE}.py (default: the project's addin folder, else one beside the config; written if missing).",
    ),
    errors: str = typer.Option(
        "excel",
        "--errors",
        help='How a failed cell shows: "excel" (a real error such as #N/A; the reason in the xlwings console '
        'and from KPI_WHY) or "text" ("#N/A: reason" as text, which SUM skips).',
    ),
) -> None:
    """Set up xlwings so that Excel's "Import Functions" brings in every KPI_ function,
    in the language of `kpi --lang` (or KPI_LANG)."""
    from . import i18n, xlwings_config

    addin = _addin_module()

    console = stdout_console()
    path = config or xlwings_config.default_path()
    folder = (addin_dir or default_addin_dir(path)).resolve()
    if errors not in addin.ERROR_MODES:
        fail(_("--errors must be one of {modes}, not {value}", modes=", ".join(addin.ERROR_MODES), value=repr(errors)), 2)
    settings = {i18n.ENV: i18n.language(), addin.ERRORS_KEY: errors}
    try:
        _ensure_module(folder)
        changes = xlwings_config.install(path, MODULE, folder, interpreter or sys.executable, settings)
    except (ValueError, UnicodeError, OSError) as e:  # one line on stderr, as every kpi command
        fail(_("Could not write {path}: {error}", path=str(path), error=str(e)), 4)
    console.print(escape(_("Wrote the KPI add-in settings to {path}:", path=str(path))))
    for c in changes:
        if c.before in (None, c.after):
            console.print(escape(f"  {c.key:<16} {c.after}"))
        else:
            console.print(escape(f"  {c.key:<16} {c.after}   " + _("(was {value})", value=c.before)))
    backup = xlwings_config.backup_path(path)
    if backup.exists():
        console.print(escape(_("The previous file is kept in {path}; `kpi addin uninstall` puts it back.",
                               path=str(backup))))
    if not sys.platform.startswith("win"):
        console.print("[yellow]" + escape(_("Classic xlwings functions run in Excel on Windows only; on a Mac or "
                                            "Excel on the web use `kpi addin lite`.")) + "[/yellow]")
    console.print(escape(_(
        'Next, in Excel: open the workbook (saved as .xlsm), tab "xlwings", "Import Functions". '
        "Type =KPI_ in a cell to see the functions. After changing the language or --errors, "
        'install again and click "Import Functions" again.'
    )))


@app.command()
def uninstall(config: Path = typer.Option(None, "--config", help=_CONFIG_HELP)) -> None:
    """Undo `kpi addin install`: put the xlwings configuration back as it was."""
    from . import xlwings_config

    stdout_console().print(xlwings_config.uninstall(config or xlwings_config.default_path()))


#: What identifies a main.py that `kpi addin lite` wrote (and may therefore replace).
_GENERATED = "Generated by `kpi addin lite`"

LITE_EXIT_CODES_HELP = """Exit codes:
 0  written
 2  usage error: -o is a file, or its main.py was not written by kpi addin lite (without --force)
 4  the folder or a file in it cannot be written: no permission, a folder that cannot be made, disk full
 5  internal error (a bug: please report it)"""


def _ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return _GENERATED in fh.read(2048)
    except OSError:
        return False


@app.command(epilog=LITE_EXIT_CODES_HELP)
def lite(
    out: Path = typer.Option(
        Path("kpi_lite"), "-o", "--out", help="Folder to write main.py and requirements.txt to (made if missing)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace a main.py that kpi addin lite did not write."),
) -> None:
    """Write main.py and requirements.txt for xlwings Lite (Excel on Windows, Mac and the web).

    A main.py written earlier by this command is replaced (that is how the bundle is updated); any other main.py in the folder is kept unless --force.
    """  # noqa: E501
    from .lite_bundle import main_py, requirements_txt
    from .recalc.write.safefile import OutputError, write_file
    from .registry import catalogue

    if out.exists() and not out.is_dir():
        fail(_("{path}: is a file; -o names the folder to write main.py and requirements.txt to", path=str(out)), 2)
    main, reqs = out / "main.py", out / "requirements.txt"
    if main.exists() and not force and not _ours(main):
        fail(_("{path} exists and was not written by kpi addin lite; use --force to replace it", path=str(main)), 2)
    try:
        write_file(main, main_py().encode("utf-8"))
        write_file(reqs, requirements_txt().encode("utf-8"))
    except OutputError as e:
        fail(str(e), 4)
    console = stdout_console()
    console.print(escape(_("Wrote {path} ({count} KPI_ functions, engine included)", path=str(main),
                           count=len(catalogue()))))
    console.print(escape(_("  and {path}: {lines}", path=str(reqs),
                           lines=", ".join(reqs.read_text(encoding="utf-8").split()))))
    console.print(escape(_(
        "In Excel: open the xlwings Lite task pane; replace the content of its main.py with this "
        "main.py, add the lines of requirements.txt to its requirements.txt, then save (Ctrl+S)."
    )))
