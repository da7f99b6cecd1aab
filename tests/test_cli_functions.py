"""`kpi functions` prints the catalogue from the registry; docs/FUNCTIONS.md is generated from it."""

import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_udfs.cli import app
from kpi_udfs.reference import reference_markdown
from kpi_udfs.registry import REGISTRY

runner = CliRunner()


def test_functions_lists_every_registry_entry():
    result = runner.invoke(app, ["functions"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in REGISTRY:
        assert name in result.output
    assert f"{len(REGISTRY)} KPI_ functions" in result.output


def test_functions_name_shows_every_argument_help():
    result = runner.invoke(app, ["functions", "kpi_grade"])
    assert result.exit_code == 0
    fn = REGISTRY["KPI_GRADE"]
    assert fn.signature() in result.output
    for p in fn.params:
        assert f"`{p.name}`" in result.output and p.help in result.output


def test_unknown_function_is_a_usage_error():
    result = runner.invoke(app, ["functions", "KPI_NOPE"])
    assert result.exit_code == 2 and "KPI_NOPE" in result.output


def test_reference_doc_is_generated_from_registry():
    committed = Path(__file__).resolve().parents[1] / "docs" / "FUNCTIONS.md"
    assert committed.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/FUNCTIONS.md is stale: run `kpi functions --markdown > docs/FUNCTIONS.md`"
    )


# -- issue 12: rendered help, suggestions, --version ------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef「」]")


def _in_a_terminal(*args: str, columns: int) -> str:
    """`kpi …` with stdout on a pseudo-terminal of ``columns`` columns (what a person sees)."""
    import os
    import pty
    import subprocess

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "kpi_udfs.cli", *args], stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8"))


def _texts(fn) -> str:
    return " ".join([fn.help, fn.returns, *(p.help for p in fn.params)])


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_one_function_in_a_terminal_is_rendered_not_markdown():
    shown = _in_a_terminal("functions", "KPI_GRADE", columns=80)
    fn = REGISTRY["KPI_GRADE"]
    assert "###" not in shown and "|---|" not in shown and "`score`" not in shown
    flat = " ".join(shown.split())
    assert fn.help in flat and "Returns:" in flat
    for p in fn.params:
        assert p.name in shown  # argument names are never split


@pytest.mark.parametrize("width", [40, 60, 100])
def test_chinese_text_is_folded_never_cut(width):
    """Rich cut a phrase without spaces (Chinese) with "…" at the column's width; every
    Chinese character of every function's help must reach the screen."""
    from collections import Counter

    from rich.console import Console

    from kpi_udfs.reference import function_renderable

    for fn in REGISTRY.values():
        console = Console(width=width, record=True, force_terminal=True, color_system=None)
        console.print(function_renderable(fn))
        shown = console.export_text()
        want, got = Counter(_CJK.findall(_texts(fn))), Counter(_CJK.findall(shown))
        assert not want - got, (fn.name, width, want - got)
        assert shown.count("…") == _texts(fn).count("…") + fn.signature().count("…")


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_the_list_folds_chinese_text_in_a_narrow_terminal():
    from collections import Counter

    shown = _in_a_terminal("functions", columns=34)
    want = Counter(_CJK.findall(" ".join(f.help for f in REGISTRY.values())))
    assert not want - Counter(_CJK.findall(shown))


def test_a_misspelt_name_suggests_the_nearest(capsys):
    from kpi_udfs.cli import run

    assert run(["functions", "KPI_GARDE"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no function 'KPI_GARDE'; did you mean KPI_GRADE")
    assert run(["functions", "XYZZY_QUUX"]) == 2
    assert "did you mean" not in capsys.readouterr().err
    assert run(["functions", "grade"]) == 0  # the KPI_ prefix may be left out
    assert REGISTRY["KPI_GRADE"].signature() in capsys.readouterr().out


def test_version(capsys):
    from importlib.metadata import version

    from kpi_udfs.cli import run

    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"kpi-udfs {version('kpi-udfs')}\n"


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal (POSIX)")
@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_one_function_in_a_terminal_is_in_the_users_language(lang):
    """`kpi --lang zh-CN functions KPI_GRADE` in a terminal showed the English help (the
    Markdown form and the list were translated, the rendered one was not)."""
    from kpi_udfs import i18n
    from kpi_udfs.i18n import translate
    from kpi_udfs.reference import function_markdown

    shown = " ".join(_in_a_terminal("--lang", lang, "functions", "KPI_GRADE", columns=100).split())
    fn = REGISTRY["KPI_GRADE"]
    assert fn.help not in shown and "Returns" not in shown and "Argument" not in shown
    with i18n.using(lang):
        markdown = function_markdown(fn)
        texts = " ".join([translate(fn.help), translate(fn.returns), *(translate(p.help) for p in fn.params)])
    from collections import Counter

    want, got = Counter(_CJK.findall(texts)), Counter(_CJK.findall(shown))
    assert want and not want - got, want - got  # every Chinese character of the help reaches the screen
    label = next(line for line in markdown.splitlines() if line.startswith("**")).split("**")[1]
    assert label in shown  # 返回： / 傳回：
