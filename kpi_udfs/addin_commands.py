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
from rich.console import Console

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


def _ensure_module(folder: Path) -> None:
    from .xlwings_addin import SHIM

    module = folder / f"{MODULE}.py"
    if not module.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        module.write_text(SHIM, encoding="utf-8")


@app.command()
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
    from .xlwings_addin import ERROR_MODES, ERRORS_KEY

    console = Console()
    path = config or xlwings_config.default_path()
    folder = (addin_dir or default_addin_dir(path)).resolve()
    if errors not in ERROR_MODES:
        console.print(f"[red]--errors must be one of {', '.join(ERROR_MODES)}[/red], not {errors!r}")
        raise typer.Exit(2)
    settings = {i18n.ENV: i18n.language(), ERRORS_KEY: errors}
    try:
        _ensure_module(folder)
        changes = xlwings_config.install(path, MODULE, folder, interpreter or sys.executable, settings)
    except (ValueError, UnicodeError, OSError) as e:
        console.print(f"[red]Could not write {path}:[/red] {e}")
        raise typer.Exit(1) from e
    console.print(f"Wrote the KPI add-in settings to [bold]{path}[/bold]:")
    for c in changes:
        console.print(
            f"  {c.key:<16} {c.after}" + ("" if c.before in (None, c.after) else f"   (was {c.before})")
        )
    backup = xlwings_config.backup_path(path)
    if backup.exists():
        console.print(f"The previous file is kept in {backup}; `kpi addin uninstall` puts it back.")
    if not sys.platform.startswith("win"):
        console.print(
            "[yellow]Classic xlwings functions run in Excel on Windows only;[/yellow] on a Mac or "
            "Excel on the web use `kpi addin lite`."
        )
    console.print(
        'Next, in Excel: open the workbook (saved as .xlsm), tab "xlwings", "Import Functions". '
        "Type =KPI_ in a cell to see the functions. After changing the language or --errors, "
        'install again and click "Import Functions" again.'
    )


@app.command()
def uninstall(config: Path = typer.Option(None, "--config", help=_CONFIG_HELP)) -> None:
    """Undo `kpi addin install`: put the xlwings configuration back as it was."""
    from . import xlwings_config

    Console().print(xlwings_config.uninstall(config or xlwings_config.default_path()))


@app.command()
def lite(
    out: Path = typer.Option(
        Path("kpi_lite"), "-o", "--out", help="Folder to write main.py and requirements.txt to."
    ),
) -> None:
    """Write main.py and requirements.txt for xlwings Lite (Excel on Windows, Mac and the web)."""
    from .lite_bundle import write
    from .registry import catalogue

    main, reqs = write(out)
    console = Console()
    console.print(f"Wrote [bold]{main}[/bold] ({len(catalogue())} KPI_ functions, engine included)")
    console.print(f"  and [bold]{reqs}[/bold]: {', '.join(reqs.read_text(encoding='utf-8').split())}")
    console.print(
        "In Excel: open the xlwings Lite task pane; replace the content of its main.py with this "
        "main.py, add the lines of requirements.txt to its requirements.txt, then save (Ctrl+S)."
    )
