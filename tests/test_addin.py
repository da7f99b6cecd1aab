"""The Excel add-ins, checked on Linux without Excel, for every function of the registry.

* Windows (classic xlwings): ``addin/kpi_addin.py`` imports and exposes one UDF per
  registry entry with the registry's argument names and help; xlwings' own classic UDF
  code (run in a separate process with pywin32 stood in, tests/pywin32_standin.py)
  registers each in category KPI, writes its VBA wrapper, and runs every call the way
  the VBA wrapper makes it (``XLPython.CallUDF`` → ``call_udf``), with cells as pywin32
  hands them over: results are what the engine returns, blanks are blank, errors are
  real Excel error values (VT_ERROR) or, set to text, "#N/A: reason" text that
  downstream KPI_ functions read back as the error.
* xlwings Lite: ``kpi addin lite`` writes a main.py that compiles and, loaded with the
  Office.js decorators active, registers every function and returns real error cells;
  a blank single cell sent as Office.js sends it (``[[null]]``) is a blank.
* Both in the language of ``KPI_LANG`` / ``kpi --lang``, baked in when generated.
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

from kpi_udfs import addin_commands, i18n, lite_bundle, xlwings_config
from kpi_udfs.errors import NA, KpiError
from kpi_udfs.excel_udf import ERROR_SCODES, HELP_LIMIT, argument_help, description, fit
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
    """Run the probe in its own process (pywin32 stand-ins and xlwings' server modules
    stay out of this one)."""
    run = subprocess.run(
        [sys.executable, str(PROBE), mode, str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=300,
        cwd=path.parent if mode == "lite" else None,  # Lite has no files but main.py: no checkout beside it
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
        with i18n.using(addin.SETTINGS["lang"]):
            assert udf.__doc__ == description(fn) and len(udf.__doc__) <= HELP_LIMIT


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


def _vba(v):
    """What VBA receives for one cell of an engine result (see pywin32_standin.vba_receives)."""
    if isinstance(v, KpiError):
        return {"error": ERROR_SCODES[v.code]}
    return "" if v is None else v


def _from_calludf(rows: list) -> object:
    """xlwings' XLPython.CallUDF: a 1×1 result is its value, a single row a flat list."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if len(rows) == 1:
        return rows[0]
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_a_windows_udf_returns_what_the_engine_returns(classic, name):
    """Through xlwings' COM server path; an #N/A cell arrives without its reason."""
    fn = next(f for f in FUNCTIONS if f.name == name)
    expected = _engine(fn, sample_args(fn), KpiError(NA, ""))
    got = classic["samples"][name]
    assert "failed" not in got, got
    assert got["result"] == _from_calludf([[_vba(v) for v in row] for row in _rows(expected)])


def test_windows_blanks_errors_and_dates_through_xlwings(classic):
    """F1 KPI_RATE: 104 ÷ 200 = 0.52; a blank cell (also C5 blank in a filled-down
    =KPI_RATE(C5,D5)) gives a blank, written as the empty text; #N/A and 1 ÷ 0 are real
    error values (the CVErr SCODEs), the reason printed to the xlwings console; an
    omitted on_zero is ERROR, a typed 0 is used. F19 KPI_TENURE_OK: 31 Jan → 30 Apr is 2
    whole months (DATEDIF "m"), → 1 May is 3."""
    extra = classic["extra"]
    na, div0, value = (ERROR_SCODES[c] for c in ("#N/A", "#DIV/0!", "#VALUE!"))
    assert extra["rate"]["result"] == [[0.52], [0.005], [""], [{"error": na}], [""]]
    assert extra["rate_blank_numerator"]["result"] == ""
    assert extra["rate_div0"] == {"result": {"error": div0}, "console": "KPI_RATE: #DIV/0!: denominator is 0\n"}
    assert extra["rate_on_zero"]["result"] == 0.0
    assert extra["rate_bad_setting"]["result"] == {"error": value}
    assert "complement: 'maybe' is not TRUE or FALSE" in extra["rate_bad_setting"]["console"]
    assert extra["tenure_dates"]["result"] == [[False], [True], [""]]
    assert extra["why_div0"]["result"] == [["#DIV/0!: denominator is 0"], ["#DIV/0!: denominator is 0"]]


def test_error_scodes_are_the_values_xlwings_reads_as_error_cells():
    """CVErr(xlErrNA) is the VT_ERROR value 0x800A07FA; pywin32 hands an #N/A cell over as
    that integer, and xlwings' Windows engine maps it back (``cell_errors``)."""
    import ast

    import xlwings

    source = (Path(xlwings.__file__).parent / "_xlwindows.py").read_text(encoding="utf-8")
    node = next(
        n for n in ast.parse(source).body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "cell_errors"
    )
    cell_errors = ast.literal_eval(node.value)
    assert {code: scode for scode, code in cell_errors.items()} == {
        code: scode for code, scode in ERROR_SCODES.items() if code in cell_errors.values()
    }
    assert ERROR_SCODES["#N/A"] == -2146826246 == 0x800A07FA - 2**32


@pytest.fixture(scope="module")
def classic():
    return _probe("classic", ADDIN, {"KPI_LANG": "en", "KPI_ERRORS": "excel"})


@pytest.fixture(scope="module")
def classic_zh():
    return _probe("classic", ADDIN, {"KPI_LANG": "zh-CN", "KPI_ERRORS": "excel"})


def test_xlwings_registers_every_windows_udf_in_category_kpi_with_help(addin, classic):
    assert sorted(classic["functions"]) == sorted(NAMES)
    for fn in FUNCTIONS:
        xl = classic["functions"][fn.name]
        assert xl["category"] == "KPI"
        assert xl["doc"] == fit(fn.help) and len(xl["doc"]) <= HELP_LIMIT  # KPI_LANG=en
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


def _lite_main(tmp_path_factory, lang: str) -> Path:
    from kpi_udfs.cli import app

    out = tmp_path_factory.mktemp(f"lite-{lang}")
    result = CliRunner().invoke(app, ["--lang", lang, "addin", "lite", "-o", str(out)])
    assert result.exit_code == 0, result.output
    i18n.set_language(None)
    return out


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory):
    return _lite_main(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def lite_zh(tmp_path_factory):
    out = _lite_main(tmp_path_factory, "zh-TW")
    env = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    return _probe("lite", out / "main.py", env)


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
    assert extra["rate"] == [[0.52], [0.005], [""], [na], [""]]
    assert extra["rate_div0"] == [[div0]]
    assert extra["rate_of_div0"] == [[div0]]  # a #DIV/0! cell as input gives #DIV/0! again
    assert extra["rate_bad_setting"] == [[{"type": "Error", "errorType": "Value"}]]
    assert extra["rate_div0_as_text"] == [["#DIV/0!: denominator is 0"]]
    assert lite["console"]["rate_div0"] == "KPI_RATE: #DIV/0!: denominator is 0\n"


def test_lite_blank_single_cells_are_blanks_not_omitted_arguments(lite):
    """A filled-down =KPI_RATE(C5,D5) with C5 (or D5) blank: Office.js sends [[null]],
    xlwings passes None, and the result is a blank (the empty text), not "argument
    numerator is required". A blank setting cell means its default: on_zero ERROR."""
    extra = lite["extra"]
    assert extra["rate_blank_numerator"] == [[""]]
    assert extra["rate_blank_denominator"] == [[""]]
    assert extra["rate_blank_setting"] == [[{"type": "Error", "errorType": "Div0"}]]
    assert lite["console"]["rate_blank_numerator"] == ""


def test_lite_reads_dates_as_office_js_sends_them(lite):
    """F19 KPI_TENURE_OK with date cells (Office.js sends serial numbers): 31 Jan 2024 →
    30 Apr is 2 whole months, → 1 May is 3; a blank start date gives a blank; a start
    after the check date is #NUM!."""
    extra = lite["extra"]
    assert extra["tenure_dates"] == [[False], [True], [""]]
    assert extra["tenure_reversed"] == [[{"type": "Error", "errorType": "Num"}]]
    assert "start_date 2024-05-01 is after as_of_date 2024-01-31" in lite["console"]["tenure_reversed"]


def test_kpi_why_gives_the_reason_as_text_on_both_paths(lite, classic):
    """KPI_WHY(function, its arguments…): the reason of each error cell, blank elsewhere.
    F2 KPI_BAND with bands [0, 0.4) and [0.45, …): 0.42 falls in the gap (AMB-18)."""
    assert lite["extra"]["why_div0"] == [["#DIV/0!: denominator is 0"], ["#DIV/0!: denominator is 0"]]
    assert lite["extra"]["why_gap"] == [["#N/A: 0.42 falls in no band: gap [0.40, 0.45)"]]
    assert classic["extra"]["why_div0"]["result"] == lite["extra"]["why_div0"]


#: The policy cell of F2 KPI_BAND's on_gap for 0.42 in the gap [0.40, 0.45) between [0, 0.40) → 0 and
#: [0.45, 0.50) → 10: WORSE (its zh-TW label, its code in lower case) → 0, BETTER (its zh-CN
#: label, its English one) → 10, whatever language the add-in speaks.
BAND_POLICY_CELLS = {"band_zh_tw": 0.0, "band_zh_cn": 10.0, "band_en": 10.0, "band_code": 0.0}


def test_a_policy_label_of_any_language_is_its_code_on_both_paths(lite, lite_zh, classic, classic_zh):
    """Issue 13: a policy cell accepts its code and its label in any of the three languages,
    through xlwings' own call paths: the English and the zh-TW Lite bundles (which carry the
    other languages' labels: main.py is the only file xlwings Lite has) and the Windows
    add-in in English and zh-CN. Anything else is #VALUE! naming on_gap and listing the codes
    and the labels, in the add-in's language."""
    value = {"type": "Error", "errorType": "Value"}
    for bundle in (lite, lite_zh):
        assert {k: bundle["extra"][k] for k in BAND_POLICY_CELLS} == {k: [[v]] for k, v in BAND_POLICY_CELLS.items()}
        assert bundle["extra"]["band_unknown"] == [[value]]
    for addin in (classic, classic_zh):
        assert {k: addin["extra"][k]["result"] for k in BAND_POLICY_CELLS} == BAND_POLICY_CELLS
        assert addin["extra"]["band_unknown"]["result"] == {"error": ERROR_SCODES["#VALUE!"]}
    assert lite["console"]["band_unknown"] == (
        "KPI_BAND: #VALUE!: on_gap: '较差的档' is not one of ERROR, WORSE, BETTER, NEAREST, one of their labels "
        "(error (#N/A) naming the gap; the worse neighbouring band; the better neighbouring band; the nearest band) "
        "or a number\n")
    assert "不是 ERROR, WORSE, BETTER, NEAREST 其中之一，不是它們的標籤（傳回錯誤 #N/A 並說明缺口；相鄰較差級距；" in \
        lite_zh["console"]["band_unknown"]
    assert "（报错 #N/A 并说明缺档；相邻较差档；相邻较好档；最近的档）" in classic_zh["extra"]["band_unknown"]["console"]


def test_lite_without_numpy_says_what_to_add_to_requirements(lite_dir):
    env = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    run = subprocess.run(
        [sys.executable, str(PROBE), "lite-without", str(lite_dir / "main.py"), "numpy"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        timeout=300,
    )
    line = [x for x in run.stdout.splitlines() if x.startswith("PROBE-RESULT ")][-1]
    said = json.loads(line.removeprefix("PROBE-RESULT "))
    hint = "kpi-udfs needs numpy: add each as a line of requirements.txt"
    assert hint in said["console"]
    assert said["error"].startswith("ImportError: " + hint)


# ---------------------------------------------------------------------------
# The language baked into the add-ins


def test_windows_add_in_registers_help_in_the_language_of_kpi_lang(classic_zh):
    """KPI_LANG=zh-CN: the Insert Function dialog shows the simplified Chinese help, and an
    error's reason (console, KPI_WHY) is in simplified Chinese."""
    assert classic_zh["settings"] == {"lang": "zh-CN", "errors": "excel"}
    with i18n.using("zh-CN"):
        for fn in FUNCTIONS:
            xl = classic_zh["functions"][fn.name]
            assert xl["doc"] == description(fn) != fit(fn.help)
            for a, p in zip(xl["args"], fn.params, strict=True):
                assert a["doc"] == argument_help(p) and len(a["doc"]) <= HELP_LIMIT
    assert classic_zh["functions"]["KPI_RATE"]["doc"].startswith("分子 ÷ 分母")
    assert classic_zh["extra"]["rate_div0"]["console"] == "KPI_RATE：#DIV/0!: 分母为 0\n"
    assert classic_zh["extra"]["why_div0"]["result"] == [["#DIV/0!: 分母为 0"], ["#DIV/0!: 分母为 0"]]


def test_lite_bundle_bakes_in_the_language_it_was_generated_in(lite_zh):
    """kpi --lang zh-TW addin lite: the Office.js metadata and the reasons are in Taiwan
    traditional Chinese (儲存格, 級距), whatever the machine running it is set to."""
    assert lite_zh["language"] == "zh-TW"
    meta = {f["name"]: f for f in lite_zh["meta"]["functions"]}
    with i18n.using("zh-TW"):
        for fn in FUNCTIONS:
            assert meta[fn.name]["description"] == description(fn)
            assert [p["description"] for p in meta[fn.name]["parameters"]] == [argument_help(p) for p in fn.params]
    assert lite_zh["extra"]["why_gap"] == [["#N/A: 0.42 不在任何級距內：缺口 [0.40, 0.45)"]]
    assert lite_zh["console"]["rate_div0"] == "KPI_RATE：#DIV/0!: 分母為 0\n"


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
    want = {
        "udf modules": "kpi_addin",
        "pythonpath": folder,
        key: r"C:\kpi\.venv\Scripts\python.exe",
        "kpi_lang": "en",
        "kpi_errors": "excel",
    }
    assert _xlwings_reads(config, monkeypatch) == want
    assert _vba_reads(config) == want


def test_install_bakes_in_the_language_and_error_mode_the_add_in_reads(tmp_path, monkeypatch):
    """kpi --lang zh-TW addin install --errors text: xlwings.conf says so, and the add-in
    module reads it when Excel imports it (KPI_LANG in the environment would win)."""
    from kpi_udfs.cli import app
    from kpi_udfs.xlwings_addin import settings

    config = tmp_path / "xlwings.conf"
    args = ["--lang", "zh-TW", "addin", "install", "--config", str(config), "--errors", "text"]
    result = CliRunner().invoke(app, args)
    i18n.set_language(None)
    assert result.exit_code == 0, result.output
    read = _xlwings_reads(config, monkeypatch)
    assert (read["kpi_lang"], read["kpi_errors"]) == ("zh-TW", "text")
    monkeypatch.delenv("KPI_LANG", raising=False)
    monkeypatch.delenv("KPI_ERRORS", raising=False)
    assert settings() == {"lang": "zh-TW", "errors": "text"}
    monkeypatch.setenv("KPI_LANG", "zh-CN")
    assert settings() == {"lang": "zh-CN", "errors": "text"}
    bad = CliRunner().invoke(app, ["addin", "install", "--config", str(config), "--errors", "loud"])
    assert bad.exit_code == 2 and "excel, text" in bad.output


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


def test_install_refuses_in_one_line_with_a_documented_code(tmp_path):
    """`kpi addin install` printed "Could not write …" on stdout, wrapped over two lines, and
    exited 1 (no exit code documented); now one line on stderr, exit 4 (2 for a bad --errors)."""
    from kpi_udfs.cli import app

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    for args, code, says in (
        (["--config", str(blocked / "xlwings.conf")], 4, "Could not write"),
        (["--config", str(tmp_path / "x.conf"), "--errors", "loud"], 2, "excel, text"),
    ):
        proc = subprocess.run([sys.executable, "-m", "kpi_udfs.cli", "addin", "install", *args],
                              capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "60"})
        assert proc.returncode == code, proc.stderr
        assert proc.stdout == "" and proc.stderr.count("\n") == 1 and says in proc.stderr, proc.stderr
    assert not (tmp_path / "x.conf").exists()
    result = CliRunner().invoke(app, ["addin", "install", "--help"], env={"COLUMNS": "200"})
    assert " 4  the configuration or the add-in folder cannot be written" in result.output
