"""The Excel add-ins, checked on Linux without Excel, for every function of the registry.

* Windows (classic xlwings): ``addin/kpi_addin.py`` imports and exposes one UDF per
  registry entry with the registry's argument names and help; xlwings' own classic UDF
  code (run in a separate process with pywin32 stood in) registers each in category KPI
  and writes its VBA wrapper; calling a UDF with ranges as xlwings passes them (2-D object
  arrays) returns what the engine returns, errors as "#N/A: reason" text that downstream
  KPI_ functions read back as the error.
* xlwings Lite: ``kpi addin lite`` writes a main.py that compiles and, loaded with the
  Office.js decorators active, registers every function and returns real error cells.
* ``kpi addin install``/``uninstall`` write an xlwings.conf that xlwings' reader reads, and
  restore the previous file exactly.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from addin_probe import OMIT, encode, sample_args
from typer.testing import CliRunner

from kpi_udfs import addin_commands, lite_bundle, xlwings_config
from kpi_udfs.errors import DIV0, NA, KpiError, parse_error_text
from kpi_udfs.excel_udf import HELP_LIMIT, fit
from kpi_udfs.registry import catalogue

ROOT = Path(__file__).resolve().parents[1]
ADDIN = ROOT / "addin" / "kpi_addin.py"
PROBE = Path(__file__).with_name("addin_probe.py")
FUNCTIONS = catalogue()
NAMES = [f.name for f in FUNCTIONS]


def _load_addin():
    spec = importlib.util.spec_from_file_location("kpi_addin_under_test", ADDIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def addin():
    """The module that builds the UDFs (addin/kpi_addin.py re-exports it)."""
    from kpi_udfs import xlwings_addin

    return xlwings_addin


def test_addin_file_is_the_shim_and_exports_every_udf():
    from kpi_udfs import xlwings_addin

    assert ADDIN.read_text(encoding="utf-8") == xlwings_addin.SHIM
    shim = _load_addin()
    for name in NAMES:
        assert getattr(shim, name) is xlwings_addin.UDFS[name]


def _probe(mode: str, path: Path, env: dict | None = None) -> dict:
    run = subprocess.run(
        [sys.executable, str(PROBE), mode, str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    line = [x for x in run.stdout.splitlines() if x.startswith("PROBE-RESULT ")][-1]
    return json.loads(line.removeprefix("PROBE-RESULT "))


def _engine(fn, args, error: KpiError):
    """The engine's result for a sample call, ranges as 2-D object arrays (as xlwings passes)."""
    given = {
        p.name: np.array(encode(a, None, error), dtype=object, ndmin=2)
        for p, a in zip(fn.params, args, strict=True)
        if a != OMIT
    }
    return fn(**given)


def _rows(result) -> list:
    """A result (engine array, add-in list of rows, or one value) as a list of rows."""
    if isinstance(result, list):
        return result
    if isinstance(result, np.ndarray):
        grid = result.reshape(-1, 1) if result.ndim == 1 else result
        return [list(row) for row in grid]
    return [[result]]


# ---------------------------------------------------------------------------
# Windows: addin/kpi_addin.py


def test_every_registry_function_is_a_udf_of_the_windows_module(addin):
    assert list(addin.UDFS) == NAMES
    for fn in FUNCTIONS:
        udf = getattr(addin, fn.name)
        params = list(inspect.signature(udf).parameters.values())
        assert [p.name for p in params] == addin.argument_names(fn)
        assert [p.default is None for p in params] == [p.optional for p in fn.params]
        assert [p.default is inspect.Parameter.empty for p in params] == [not p.optional for p in fn.params]
        assert udf.__doc__ == fit(fn.help) and len(udf.__doc__) <= HELP_LIMIT


def test_argument_names_are_the_registry_names_unless_vba_reserves_them(addin):
    for fn in FUNCTIONS:
        names = addin.argument_names(fn)
        assert len({n.lower() for n in names}) == len(names), fn.name
        for name, p in zip(names, fn.params, strict=True):
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name)
            assert name.lower() not in addin.VBA_RESERVED
            assert name == p.name or (name == p.name + "_" and p.name.lower() in addin.VBA_RESERVED)
    assert addin.vba_name("step") == "step_"  # a VBA keyword (For … Step), used by KPI_TARGET_STEP
    assert addin.vba_name("caller") == "caller_"  # xlwings passes the calling range to "caller"
    assert addin.vba_name("score") == "score"


@pytest.mark.parametrize("name", NAMES)
def test_a_windows_udf_returns_what_the_engine_returns(addin, name):
    fn = next(f for f in FUNCTIONS if f.name == name)
    args = sample_args(fn)
    upstream = KpiError(NA, "upstream reason")
    passed = [
        None if a == OMIT else np.array(encode(a, None, str(upstream)), dtype=object, ndmin=2) for a in args
    ]
    got = addin.UDFS[name](*passed)
    expected = _engine(fn, args, upstream)
    want = [[str(v) if isinstance(v, KpiError) else v for v in row] for row in _rows(expected)]
    assert _rows(got) == want
    for cell in (c for row in _rows(got) for c in row):
        assert not isinstance(cell, (KpiError, np.generic, np.ndarray))
        if isinstance(cell, str) and cell.startswith("#"):
            assert parse_error_text(cell) is not None, cell


def test_windows_errors_are_text_that_downstream_functions_read_as_the_error(addin):
    """F1 KPI_RATE: 104 ÷ 200 = 0.52; 1 ÷ 0 is #DIV/0! "denominator is 0", and that text fed
    into another KPI_RATE comes out as the same error (and the same text)."""
    rate = addin.UDFS["KPI_RATE"]
    cell = lambda v: np.array([[v]], dtype=object)  # noqa: E731
    assert rate(cell(104.0), cell(200.0), None, None) == 0.52
    div0 = rate(cell(1.0), cell(0.0), None, None)
    assert div0 == "#DIV/0!: denominator is 0"
    assert parse_error_text(div0) == KpiError(DIV0, "denominator is 0")
    column = np.array([[104.0], [div0], [None]], dtype=object)
    assert rate(column, cell(200.0), None, None) == [[0.52], [div0], [None]]
    # an omitted setting is its default, a given one is used: on_zero = 0
    assert rate(cell(1.0), cell(0.0), cell(0.0), None) == 0.0


@pytest.fixture(scope="module")
def classic():
    return _probe("classic", ADDIN)


def test_xlwings_registers_every_windows_udf_in_category_kpi_with_help(addin, classic):
    assert sorted(classic["functions"]) == sorted(NAMES)
    for fn in FUNCTIONS:
        xl = classic["functions"][fn.name]
        assert xl["category"] == "KPI"
        assert xl["doc"] == fit(fn.help) and len(xl["doc"]) <= HELP_LIMIT
        assert [a["name"] for a in xl["args"]] == addin.argument_names(fn)
        for a, p in zip(xl["args"], fn.params, strict=True):
            assert a["optional"] == p.optional and a["default"] is None
            assert 0 < len(a["doc"]) <= HELP_LIMIT
            assert a["doc"].startswith(fit(p.help)[:40].rstrip("…"))
            assert a["options"] == {
                "convert": "array",
                "ndim": 2,
                "dtype": "object",
                "empty": None,
                "err_to_str": True,
            }


def test_import_functions_writes_a_vba_wrapper_per_function(addin, classic):
    vba = classic["vba"].replace(" _\n", "")
    for fn in FUNCTIONS:
        names = addin.argument_names(fn)
        params = ", ".join(
            ("Optional " if p.optional else "") + n for n, p in zip(names, fn.params, strict=True)
        )
        assert f"Function {fn.name}({params})\n" in vba
        assert f'XLPy.CallUDF("kpi_addin", "{fn.name}", Array({", ".join(names)}), ThisWorkbook' in vba


# ---------------------------------------------------------------------------
# xlwings Lite: kpi addin lite


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lite")
    result = CliRunner().invoke(addin_commands.app, ["lite", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def lite(lite_dir):
    # xlwings' Office.js functions (xlwings.server) check for an xlwings licence key when
    # imported; "noncommercial" is the key xlwings accepts for noncommercial use. It is set
    # here, for the probe process of this test only. xlwings Lite itself needs no key.
    env = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    return _probe("lite", lite_dir / "main.py", env)


def test_lite_main_py_compiles_and_requirements_name_what_the_engine_imports(lite_dir):
    main = (lite_dir / "main.py").read_text(encoding="utf-8")
    compile(main, "main.py", "exec")
    assert "from xlwings import arg, func" in main
    opencc = importlib.metadata.version("opencc-python-reimplemented")
    reqs = (lite_dir / "requirements.txt").read_text(encoding="utf-8").split()
    assert reqs == ["numpy", f"opencc-python-reimplemented=={opencc}"]
    for fn in FUNCTIONS:
        assert f"\ndef {fn.name}(" in main


def test_lite_output_paths_are_checked_with_one_line_errors(tmp_path, capsys):
    """Issue 12: an unwritable -o gave a 42-line traceback; another program's main.py is
    kept unless --force, while a main.py this command wrote is replaced (the update path)."""
    from kpi_udfs.cli import run

    def refused(code: int, *args: str) -> str:
        assert run(["addin", "lite", *args]) == code
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
        return err

    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file")
    assert "is a file" in refused(2, "-o", str(blocker))
    assert f"{blocker} is a file" in refused(4, "-o", str(blocker / "lite"))
    theirs = tmp_path / "project"
    theirs.mkdir()
    (theirs / "main.py").write_text("print('my own program')\n")
    assert "not written by kpi addin lite" in refused(2, "-o", str(theirs))
    assert (theirs / "main.py").read_text() == "print('my own program')\n"
    assert run(["addin", "lite", "-o", str(theirs), "--force"]) == 0
    assert run(["addin", "lite", "-o", str(theirs)]) == 0  # ours now: replaced without --force
    assert "Generated by `kpi addin lite`" in (theirs / "main.py").read_text(encoding="utf-8")
    assert sorted(p.name for p in theirs.iterdir()) == ["main.py", "requirements.txt"]
    assert run(["addin", "lite", "-o", str(tmp_path / "new" / "folder")]) == 0  # made as needed
    capsys.readouterr()


def test_lite_bundle_refuses_an_engine_import_lite_cannot_install():
    sources = {"kpi_udfs.x": (False, "kpi_udfs/x.py", "import numpy\nfrom openpyxl import Workbook\n")}
    with pytest.raises(ValueError, match="openpyxl"):
        lite_bundle.requirements(sources)
    hidden = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\n"
    assert lite_bundle.requirements({"kpi_udfs.y": (False, "kpi_udfs/y.py", hidden)}) == []


def test_lite_runs_the_embedded_engine_not_an_installed_one(lite):
    assert lite["bundle"]["kpi_udfs"] == "_EngineBundle"
    assert set(lite["bundle"].values()) == {"_EngineBundle"}
    assert set(lite["bundle"]) <= set(lite_bundle.engine_sources())
    assert "kpi_udfs.recalc" not in lite_bundle.engine_sources()  # desktop-only
    assert lite["reloaded"]


def test_lite_registers_every_function_with_its_help(lite):
    meta = {f["name"]: f for f in lite["meta"]["functions"]}
    assert sorted(meta) == sorted(NAMES)
    assert lite["meta"]["allowErrorForDataTypeAny"] is True
    for fn in FUNCTIONS:
        m = meta[fn.name]
        assert m["description"] == fit(fn.help)
        assert [p["name"] for p in m["parameters"]] == [p.name for p in fn.params]
        assert [p.get("optional", False) for p in m["parameters"]] == [p.optional for p in fn.params]
        for mp in m["parameters"]:
            assert 0 < len(mp["description"]) <= HELP_LIMIT
            assert mp["dimensionality"] == "matrix"


_OFFICE_ERRORS = {
    "#DIV/0!": "Div0",
    "#N/A": "NotAvailable",
    "#NAME?": "Name",
    "#NULL!": "Null",
    "#NUM!": "Num",
    "#REF!": "Ref",
    "#VALUE!": "Value",
}


def _office(v):
    if isinstance(v, KpiError):
        if v.code in _OFFICE_ERRORS:
            return {"type": "Error", "errorType": _OFFICE_ERRORS[v.code]}
        return str(v)
    return "" if v is None else v


@pytest.mark.parametrize("name", NAMES)
def test_a_lite_function_returns_what_the_engine_returns(lite, name):
    """Error cells arrive in Lite without their reason: the engine sees a bare #N/A."""
    fn = next(f for f in FUNCTIONS if f.name == name)
    expected = _engine(fn, sample_args(fn), KpiError(NA, ""))
    assert lite["samples"][name] == [[_office(v) for v in row] for row in _rows(expected)]


def test_lite_returns_real_error_cells_that_propagate(lite):
    """F1 KPI_RATE in Lite: numbers stay numbers, errors are Office.js error values (not text)."""
    na = {"type": "Error", "errorType": "NotAvailable"}
    div0 = {"type": "Error", "errorType": "Div0"}
    extra = lite["extra"]
    assert extra["rate"] == [[0.52], [0.005], [""], [na]]
    assert extra["rate_div0"] == [[div0]]
    assert extra["rate_of_div0"] == [[div0]]  # a #DIV/0! cell as input gives #DIV/0! again
    assert extra["rate_bad_setting"] == [[{"type": "Error", "errorType": "Value"}]]
    assert extra["rate_div0_as_text"] == [["#DIV/0!: denominator is 0"]]


# ---------------------------------------------------------------------------
# kpi addin install / uninstall


def _install(config: Path, interpreter: str = r"C:\kpi\.venv\Scripts\python.exe"):
    args = ["install", "--config", str(config), "--interpreter", interpreter]
    result = CliRunner().invoke(addin_commands.app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _uninstall(config: Path) -> str:
    result = CliRunner().invoke(addin_commands.app, ["uninstall", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output


def _xlwings_reads(config: Path, monkeypatch) -> dict:
    import xlwings
    from xlwings.utils import read_user_config

    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(config))
    return read_user_config()


def _vba_reads(config: Path) -> dict:
    """The add-in's VBA reads each line with ``Input #`` (two comma-separated, quoted
    fields) and takes the first line of a key, ignoring case."""
    found: dict = {}
    with open(config, encoding=xlwings_config.ENCODING, newline="") as f:
        for row in csv.reader(f):
            if row:
                found.setdefault(row[0].lower(), row[1])
    return found


def test_install_writes_what_xlwings_reads(tmp_path, monkeypatch):
    config = tmp_path / ".xlwings" / "xlwings.conf"
    _install(config)
    folder = str(ADDIN.parent)
    key = xlwings_config.interpreter_key().lower()
    want = {"udf modules": "kpi_addin", "pythonpath": folder, key: r"C:\kpi\.venv\Scripts\python.exe"}
    assert _xlwings_reads(config, monkeypatch) == want
    assert _vba_reads(config) == want


def test_uninstall_without_a_previous_file_removes_what_install_made(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".xlwings" / "xlwings.conf"
    _install(config)
    assert config.exists()
    _uninstall(config)
    assert list(home.iterdir()) == []


def test_install_keeps_the_users_settings_and_uninstall_restores_the_file_exactly(tmp_path, monkeypatch):
    config = tmp_path / "xlwings.conf"
    original = (
        b'"LICENSE_KEY","noncommercial"\r\n"UDF MODULES","my_udfs"\r\n'
        b'"PYTHONPATH","C:\\work\\udfs"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n'
        b'"INTERPRETER_MAC","/usr/bin/python3"\r\n'
    )
    config.write_bytes(original)
    _install(config)
    _install(config, r"D:\new\python.exe")  # installing again keeps the first backup
    read = _xlwings_reads(config, monkeypatch)
    assert read["license_key"] == "noncommercial"
    assert read["udf modules"] == "my_udfs;kpi_addin"
    assert read["pythonpath"] == "C:\\work\\udfs;" + str(ADDIN.parent)
    assert read[xlwings_config.interpreter_key().lower()] == r"D:\new\python.exe"
    assert xlwings_config.backup_path(config).read_bytes() == original
    _uninstall(config)
    assert config.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xlwings.conf"]


def test_uninstall_after_the_file_was_edited_takes_out_only_our_entries(tmp_path, monkeypatch):
    config = tmp_path / "xlwings.conf"
    config.write_text('"UDF MODULES","my_udfs"\n', encoding=xlwings_config.ENCODING)
    _install(config)
    with open(config, "a", encoding=xlwings_config.ENCODING) as f:
        f.write('"LICENSE_KEY","added later"\n')
    out = _uninstall(config)
    assert "edited" in out
    assert _xlwings_reads(config, monkeypatch) == {"udf modules": "my_udfs", "license_key": "added later"}
    assert xlwings_config.backup_path(config).exists()
    assert not xlwings_config.state_path(config).exists()


def test_uninstall_when_not_installed_changes_nothing(tmp_path):
    config = tmp_path / "xlwings.conf"
    config.write_bytes(b'"UDF MODULES","my_udfs"\n')
    assert "not installed" in _uninstall(config)
    assert config.read_bytes() == b'"UDF MODULES","my_udfs"\n'


def test_install_writes_the_addin_module_where_it_is_missing(tmp_path, monkeypatch):
    """A wheel install has no addin/ folder: install writes kpi_addin.py beside the config."""
    from kpi_udfs import xlwings_addin

    monkeypatch.setattr(addin_commands, "MODULE", "kpi_addin_missing_in_checkout")
    config = tmp_path / "xlwings.conf"
    result = CliRunner().invoke(addin_commands.app, ["install", "--config", str(config)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "kpi_addin_missing_in_checkout" / "kpi_addin_missing_in_checkout.py"
    assert written.read_text(encoding="utf-8") == xlwings_addin.SHIM
    read = _xlwings_reads(config, monkeypatch)
    assert read["pythonpath"] == str(written.parent)


def test_help_texts_are_cut_at_a_word_within_excels_limit():
    text = "word " * 100
    cut = fit(text)
    assert len(cut) <= HELP_LIMIT and cut.endswith("word…")
    assert fit("short  text ") == "short text"
