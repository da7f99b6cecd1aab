"""Languages: every message and every help text has a translation in each catalogue, the
compiled catalogues are up to date, and what users see follows KPI_LANG / --lang: the
functions' help and reasons (issue 13, part one) and every message of the kpi command
(part two): recalc's summary, refusals and cell reasons, check, lint and adopt, the
add-in commands, the help screens and usage errors."""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path

import hr_workbooks as hr
import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from typer.testing import CliRunner

from kpi_udfs import KPI_BAND, KPI_GRADE, KPI_MAP, KPI_RATE, i18n, i18n_build
from kpi_udfs.cli import app, run
from kpi_udfs.excel_udf import HELP_LIMIT, argument_help, description
from kpi_udfs.reference import FILES, reference_markdown
from kpi_udfs.registry import catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kpi_udfs"
#: The kpi command (issue 13, parts two and three): every message it prints, raises or gives a cell.
COMMAND_MODULES = [
    "cli.py",
    "cli_output.py",
    "cli_language.py",
    "addin_commands.py",
    "xlwings_config.py",
    "check.py",
    "templates_cli.py",
    "templates/months.py",
    "recalc/commands.py",
    "recalc/causes.py",
    "recalc/batch.py",
    "recalc/graph/compile.py",
    "recalc/graph/parse.py",
    "recalc/evaluate/run.py",
    "recalc/evaluate/kpi_calls.py",
    "recalc/evaluate/reasons.py",
    *sorted(p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "recalc" / "read").glob("*.py")),
    *sorted(p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "recalc" / "write").glob("*.py")),
    *sorted(p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "adopt").glob("*.py")),
]
#: Modules whose every user-facing string must go through kpi_udfs.i18n.
TRANSLATED_MODULES = [
    "coerce.py",
    "registry.py",
    "errors.py",
    "excel_udf.py",
    "reference.py",
    "lite_bundle.py",
    *sorted(p.name for p in (PACKAGE / "functions").glob("*.py")),
    *COMMAND_MODULES,
]


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language(None)


def test_catalogues_are_complete_and_compiled():
    """Every message of the package and every registry text has a translation in zh-CN
    and zh-TW with the same {placeholders}; the .pot and the committed .mo files are up
    to date (fix: python -m kpi_udfs.i18n_build update, translate, compile)."""
    assert i18n_build.check() == []


def test_check_reports_a_missing_translation_and_a_stale_compiled_catalogue(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n_build, "TEMPLATE", tmp_path / "kpi_udfs.pot")
    real = PACKAGE / "locale"
    for lang in i18n_build.TRANSLATED:
        src = real / i18n.folder(lang) / "LC_MESSAGES"
        dst = tmp_path / i18n.folder(lang) / "LC_MESSAGES"
        dst.mkdir(parents=True)
        for f in src.iterdir():
            (dst / f.name).write_bytes(f.read_bytes())
    (tmp_path / "kpi_udfs.pot").write_bytes((real / "kpi_udfs.pot").read_bytes())
    assert i18n_build.check() == []
    po = i18n_build.po_path("zh-CN")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "分母为 0"', 'msgstr ""'), encoding="utf-8")
    problems = i18n_build.check()
    assert "zh-CN: no translation: 'denominator is 0'" in problems
    assert any("zh-CN: kpi_udfs.mo is out of date" in p for p in problems)
    po.write_text(text.replace('msgstr "分母为 0"', 'msgstr "分母为 {zero}"'), encoding="utf-8")
    assert any("placeholders ['zero'] instead of []" in p for p in i18n_build.check())


def _calls(tree: ast.AST, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


@pytest.mark.parametrize("module", sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")))
def test_every_message_is_a_literal_the_extractor_sees(module):
    """_() and N_() take a literal, never an f-string or a text built with + or %; _() may
    take a variable holding a text marked N_ elsewhere. No function assigns to _ (which
    would hide the translator)."""
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    ids = _template_ids()
    for name in ("_", "N_"):
        for call in _calls(tree, name):
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                # not extracted when the call sits inside an f-string: take the call out of it
                assert first.value in ids, f"{module}:{call.lineno}: {first.value!r} is not in the catalogue"
                continue
            where = f"{module}:{call.lineno}: {ast.unparse(call)}"
            assert name == "_" and isinstance(first, (ast.Name, ast.Subscript, ast.Attribute)), where
    imports_translator = any(
        isinstance(n, ast.ImportFrom) and (n.module or "").endswith("i18n") and any(a.name == "_" for a in n.names)
        for n in ast.walk(tree)
    )
    for node in ast.walk(tree) if imports_translator else ():
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            pytest.fail(f"{module}:{node.lineno} assigns to _, hiding the translator")


@functools.cache
def _template_ids() -> frozenset[str]:
    return frozenset(m.id for m in i18n_build.template() if m.id)


@pytest.mark.parametrize("module", TRANSLATED_MODULES)
def test_user_facing_modules_write_no_untranslated_reason(module):
    """No KpiError reason written as a bare string or f-string in the translated modules (an
    empty reason, an error code alone, has nothing to translate)."""
    path = PACKAGE / module if (PACKAGE / module).exists() else PACKAGE / "functions" / module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "KpiError" and len(node.args) > 1:
            reason = node.args[1]
            bare = isinstance(reason, ast.JoinedStr) or (isinstance(reason, ast.Constant) and reason.value != "")
            assert not bare, f"{module}:{node.lineno}"


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_every_function_and_argument_has_help_in_each_language(lang):
    with i18n.using(lang):
        for fn in catalogue():
            for text in (fn.help, fn.returns, *(p.help for p in fn.params)):
                translated = i18n.translate(text)
                assert translated != text and not translated.isascii(), text
            assert len(description(fn)) <= HELP_LIMIT and not description(fn).endswith("…"), fn.name
            for p in fn.params:
                assert len(argument_help(p)) <= HELP_LIMIT, (fn.name, p.name)


def test_reasons_follow_the_language():
    """F2 KPI_BAND over the X-conversion bands [0, 0.40) 0 and [0.45, 0.50) 10: 0.42 is in
    the gap (AMB-18); F1 1 ÷ 0; F3 an unknown rating; F10 a score below the table."""
    bands = ([0, 0.45], [0.40, 0.50], [0, 10])
    want = {
        "en": ("0.42 falls in no band: gap [0.40, 0.45)", "denominator is 0", "key '优秀' is not in the table"),
        "zh-CN": ("0.42 不在任何档位内：缺档 [0.40, 0.45)", "分母为 0", "键 '优秀' 不在对照表中"),
        "zh-TW": ("0.42 不在任何級距內：缺口 [0.40, 0.45)", "分母為 0", "鍵 '优秀' 不在對照表中"),
    }
    for lang, (gap, zero, key) in want.items():
        with i18n.using(lang):
            assert KPI_BAND(0.42, *bands).reason == gap
            assert KPI_RATE(1, 0).reason == zero
            assert KPI_MAP("优秀", ["A", "B"], [1, 2], normalize_zh=False).reason.startswith(key)
    with i18n.using("zh-TW"):
        assert KPI_GRADE(50, [90, 60], ["A", "B"]).reason == "得分 50 低於最低等級的下限 60"


def test_language_setting(monkeypatch):
    monkeypatch.setenv("KPI_LANG", "zh_TW.UTF-8")
    i18n.set_language(None)
    assert i18n.language() == "zh-TW"
    monkeypatch.setenv("KPI_LANG", "klingon")
    assert i18n.language() == "en"  # an unknown setting is English, not a crash
    assert i18n.set_language("zh-Hans") == "zh-CN"
    with i18n.using("en"):
        assert i18n.language() == "en"
    assert i18n.language() == "zh-CN"
    with pytest.raises(ValueError, match="en, zh-CN, zh-TW"):
        i18n.set_language("fr")


def test_kpi_functions_in_each_language():
    runner = CliRunner()
    en = runner.invoke(app, ["functions", "KPI_BAND"])
    cn = runner.invoke(app, ["--lang", "zh-CN", "functions", "KPI_BAND"])
    tw = runner.invoke(app, ["functions", "KPI_BAND"], env={"KPI_LANG": "zh-TW"})
    assert "Points (or a label) of the band" in en.output
    assert "按数值所在档位返回得分" in cn.output and "| 参数 | 取值 | 说明 |" in cn.output
    assert "按數值所在級距傳回得分" in tw.output and "| 引數 | 取值 | 說明 |" in tw.output
    listing = runner.invoke(app, ["--lang", "zh-CN", "functions"], env={"COLUMNS": "200"})
    assert "共 23 个 KPI_ 函数" in listing.output
    bad = runner.invoke(app, ["--lang", "fr", "functions"])
    assert bad.exit_code == 2 and "zh-TW" in bad.output


@pytest.mark.parametrize("lang", sorted(FILES))
def test_reference_doc_in_each_language_is_generated_from_the_registry(lang):
    with i18n.using(lang):
        text = reference_markdown()
    committed = (ROOT / "docs" / FILES[lang]).read_text(encoding="utf-8")
    flag = "" if lang == "en" else f"--lang {lang} "
    assert committed == text, f"docs/{FILES[lang]} is stale: run `kpi {flag}functions --markdown > docs/{FILES[lang]}`"


# -- the kpi command (issue 13, part two) ---------------------------------------------------------

#: Exceptions whose text a user reads (a refusal, a usage error, the reason of a cell).
_USER_EXCEPTIONS = {
    "PackageError", "OutputError", "LockedError", "WriteError", "UsageError", "CannotWrite", "EditError",
    "AdoptError", "NothingToAdopt", "Unresolved", "FewKeys", "FormulaSyntax", "ReadTooLarge", "BadParameter",
    "Unsupported", "MonthError",
}
#: Calls whose argument (at this position) is a message: a cell's reason, a finding, a printed line.
_MESSAGE_ARGUMENT = {"KpiError": 1, "ErrorNode": 1, "Defect": 1, "Finding": 3, "fail": 0, "print": 0,
                     "write": 0, "add": 3, "append": 0}
_MARKUP = re.compile(r"\[/?[a-z ]*\]")
_WORD = re.compile(r"[A-Za-z]{3,}")
#: Literal text that is not a message (the product's name in `kpi --version`).
_NOT_MESSAGES = {"kpi-udfs "}


def _literal_text(node: ast.AST) -> str | None:
    """The literal part of a message argument: a string, an f-string's text, a sum of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [_literal_text(node.left), _literal_text(node.right)]
        return None if parts == [None, None] else "".join(p or "" for p in parts)
    return None


def _message_arguments(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            f = node.exc.func
            if (f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)) in _USER_EXCEPTIONS:
                yield node.lineno, node.exc.args[0]
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
        i = _MESSAGE_ARGUMENT.get(name)
        if i is None or len(node.args) <= i:
            continue
        owner = getattr(f, "value", None)
        if name == "append" and getattr(owner, "attr", None) not in ("limits", "notes"):
            continue  # t.limits.append(…), t.notes.append(…): lines of kpi adopt
        if name == "write" and getattr(owner, "attr", None) not in ("stdout", "stderr"):
            continue
        if name == "add" and getattr(owner, "id", None) not in ("ck", "self"):
            continue  # Checker.add(severity, kind, where, message, cells)
        yield node.lineno, node.args[i]


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_the_kpi_command_prints_raises_and_reasons_nothing_untranslated(module):
    """Every refusal, usage error, cell reason, finding and printed line of the kpi command
    goes through _(): no English words written straight into one (a rich markup tag or a
    placeholder is not a word). The catalogue test then makes each such message translated."""
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    for line, arg in _message_arguments(tree):
        text = _literal_text(arg)
        if text is None or text in _NOT_MESSAGES:
            continue
        assert not _WORD.search(_MARKUP.sub("", text)), f"{module}:{line}: {text!r} is not translated"


def _book_with_error_cells(path: Path) -> Path:
    """Staff!C1 = KPI_RATE(1, 0) (#DIV/0!), D1 = C1*2 (passed on), E1 an unknown function,
    C2 = 0.42 over the X-conversion bands with their gap [0.40, 0.45) (AMB-18)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"], ws["E1"] = 1, 0, "=KPI_RATE(A1,B1)", "=C1*2", "=FOOBAR(A1)"
    ws["A2"], ws["C2"] = 0.42, "=KPI_BAND(A2,{0,0.45},{0.4,0.5},{0,10})"
    wb.save(path)
    return path


#: What `kpi recalc` says of that workbook, in each language: the summary line, the causes
#: (the passed-on #DIV/0! counts under its origin's reason), and D1's reason in --json.
RECALC_SAYS = {
    "en": ("→ out.xlsx: 4 formula cells computed, 4 ending in an error",
           ["#DIV/0!  denominator is 0: 2 cells (Staff!C1, Staff!D1)",
            "#NAME?  unknown function FOOBAR: 1 cell (Staff!E1)",
            "#N/A  0.42 falls in no band: gap [0.40, 0.45): 1 cell (Staff!C2)"],
           "from Staff!C1: denominator is 0"),
    "zh-CN": ("→ out.xlsx：计算了 4 个公式单元格，其中 4 个结果为错误值",
              ["#DIV/0!  分母为 0：2 个单元格（Staff!C1, Staff!D1）",
               "#NAME?  未知函数 FOOBAR：1 个单元格（Staff!E1）",
               "#N/A  0.42 不在任何档位内：缺档 [0.40, 0.45)：1 个单元格（Staff!C2）"],
              "来自 Staff!C1：分母为 0"),
    "zh-TW": ("→ out.xlsx：計算了 4 個公式儲存格，其中 4 個結果為錯誤值",
              ["#DIV/0!  分母為 0：2 個儲存格（Staff!C1, Staff!D1）",
               "#NAME?  未知函數 FOOBAR：1 個儲存格（Staff!E1）",
               "#N/A  0.42 不在任何級距內：缺口 [0.40, 0.45)：1 個儲存格（Staff!C2）"],
              "來自 Staff!C1：分母為 0"),
}


@pytest.mark.parametrize("lang", sorted(RECALC_SAYS))
def test_kpi_recalc_speaks_the_language_of_lang(tmp_path, monkeypatch, lang):
    monkeypatch.chdir(tmp_path)
    _book_with_error_cells(tmp_path / "book.xlsx")
    summary, causes, passed_on = RECALC_SAYS[lang]
    res = CliRunner().invoke(app, ["--lang", lang, "recalc", "book.xlsx", "-o", "out.xlsx"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = [line.strip() for line in res.output.splitlines()]
    assert lines[0] == f"! book.xlsx {summary}"
    assert lines[1:4] == causes
    res = CliRunner().invoke(app, ["--lang", lang, "recalc", "book.xlsx", "-o", "out.xlsx", "--force", "--json"])
    data = json.loads(res.stdout)
    errors = {e["cell"]: e for e in data["errors"]}
    assert errors["D1"]["reason"] == passed_on and errors["D1"]["code"] == "#DIV/0!"
    assert [(c["code"], c["count"]) for c in data["files"][0]["causes"]] == [("#DIV/0!", 2), ("#NAME?", 1), ("#N/A", 1)]
    # machine-readable fields stay the same words in every language
    assert data["files"][0]["status"] == "ok, with error cells" and data["exit_code"] == 0


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_kpi_lang_variable_and_pool_workers(tmp_path, monkeypatch, lang):
    """KPI_LANG alone chooses the language, and workers of a batch (spawned processes that
    do not inherit --lang) give their reasons and refusals in it too."""
    monkeypatch.chdir(tmp_path)
    for name in ("a.xlsx", "b.xlsx"):
        _book_with_error_cells(tmp_path / name)
    (tmp_path / "c.xlsx").write_bytes(b"not a zip")
    res = CliRunner().invoke(app, ["recalc", "a.xlsx", "b.xlsx", "c.xlsx", "-j", "2", "-o", "out/", "--json"],
                             env={"KPI_LANG": lang})
    data = json.loads(res.stdout)
    assert res.exit_code == 3
    reasons = {(e["file"], e["cell"]): e["reason"] for e in data["errors"]}
    assert reasons[("a.xlsx", "C1")] == reasons[("b.xlsx", "C1")] == RECALC_SAYS[lang][1][0].split("  ")[1].split("：")[0]
    bad = data["files"][2]
    assert bad["status"] == "unreadable"
    assert bad["message"] == "c.xlsx: " + {"zh-CN": "不是 zip 包", "zh-TW": "不是 zip 套件"}[lang] + \
        {"zh-CN": "，不是可读取的 .xlsx/.xlsm（File is not a zip file）",
         "zh-TW": "，不是可讀取的 .xlsx/.xlsm（File is not a zip file）"}[lang]


def test_refusals_and_usage_errors_in_the_language(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 truncated")
    assert run(["--lang", "zh-CN", "recalc", "bad.xlsx"]) == 3
    out = capsys.readouterr().out
    assert out.startswith("✗ bad.xlsx：未重新计算（无法读取）：zip 被截断或已损坏，不是可读取的 .xlsx/.xlsm")
    assert run(["--lang", "zh-TW", "recalc", "missing.xlsx"]) == 2
    assert capsys.readouterr().err.strip() == "錯誤：missing.xlsx：沒有這個檔案或資料夾"
    assert run(["--lang", "zh-CN", "recalc", "bad.xlsx", "--max-ratio", "0.5"]) == 2
    assert capsys.readouterr().err.strip() == ("错误：'--max-ratio' 的取值无效：0.5 不是有效的比例：请给出不小于 1 的数"
                                               "（参见 kpi recalc --help）")
    assert run(["--lang", "zh-CN", "recalc", "bad.xlsx", "--bogus"]) == 2
    assert capsys.readouterr().err.startswith("错误：没有选项 --bogus")
    assert run(["--lang", "en", "recalc", "bad.xlsx", "--bogus"]) == 2
    assert capsys.readouterr().err.startswith("error: No such option: --bogus")  # click's own words


def test_help_screens_in_the_language(monkeypatch, capsys):
    assert run(["--lang", "zh-CN", "recalc", "--help"]) == 0
    out = capsys.readouterr().out
    assert "计算每个公式" in out and "退出码" in out and "显示本帮助后退出" in out
    monkeypatch.setenv("KPI_LANG", "zh-TW")
    i18n.set_language(None)
    assert run(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "檢查活頁簿的規則表" in out and "結束代碼" in out
    assert run(["--help"]) == 0
    assert "用於 Excel 活頁簿的 KPI 考核函數" in capsys.readouterr().out
    monkeypatch.setenv("KPI_LANG", "en")
    i18n.set_language(None)
    assert run(["recalc", "--help"]) == 0
    assert "Exit codes (with several files the highest wins" in capsys.readouterr().out


def _band_book(path: Path, extra_args: str = "") -> Path:
    """Rules!A2:C5, the X-conversion table of S0-F 4.4 with its gap [0.40, 0.45) (AMB-18);
    Staff!C2:C4 = KPI_BAND over it."""
    wb = openpyxl.Workbook()
    staff = wb.active
    staff.title = "Staff"
    rules = wb.create_sheet("Rules")
    rules.append(["lower", "upper", "points"])
    for row in ([0.55, None, 100], [0.50, 0.55, 80], [0.45, 0.50, 60], [None, 0.40, 50]):
        rules.append(row)
    wb.defined_names["X_Lower"] = DefinedName("X_Lower", attr_text="Rules!$A$2:$A$5")
    wb.defined_names["X_Upper"] = DefinedName("X_Upper", attr_text="Rules!$B$2:$B$5")
    for i, x in enumerate([0.52, 0.47, 0.61], start=2):
        staff[f"B{i}"], staff[f"C{i}"] = x, f"=KPI_BAND(B{i},X_Lower,X_Upper,Rules!$C$2:$C$5{extra_args})"
    wb.save(path)
    return path


def test_kpi_check_in_chinese(tmp_path):
    book = _band_book(tmp_path / "book.xlsx")
    res = CliRunner().invoke(app, ["--lang", "zh-CN", "check", str(book)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    first, verdict = res.output.splitlines()
    assert first == ("错误 Rules!A2:A5, Rules!B2:B5: 第 4 行与第 3 行之间缺档 [0.40, 0.45)（表中第 1 行即 Rules 工作表的第 "
                     "2 行）：落在此处的值为 #N/A（on_gap ERROR）  （被 Staff!C2, Staff!C3, Staff!C4 使用）")
    assert verdict.startswith(f"{book} 中有 1 个错误、0 个警告：3 个公式，3 次 KPI_ 调用")
    res = CliRunner().invoke(app, ["--lang", "zh-TW", "check", str(book), "--json"])
    finding = json.loads(res.stdout)["findings"][0]
    assert (finding["severity"], finding["kind"]) == ("error", "band_table")  # codes, not words
    assert finding["message"].startswith("第 4 列與第 3 列之間缺口 [0.40, 0.45)（表中第 1 列即 Rules 工作表的第 2 列）")


def _shape_of_check(report) -> list:
    return [(f.severity, f.kind, f.where, f.uses, f.used_by) for f in report.findings]


def _shape_of_lint(report) -> list:
    return [(f.sheet, f.cells, f.kind, f.rows_count, [h.cell for h in f.rows]) for f in report.findings]


def _shape_of_recalc(path: Path) -> tuple:
    from kpi_udfs.errors import KpiError
    from kpi_udfs.recalc import causes, evaluate

    ev = evaluate(path)
    errors = [{"ref": f"{s}!{c}", "code": v.code, "reason": v.reason or ev.notes.get((s, c), "")}
              for (s, c), v in sorted(ev.values.items()) if isinstance(v, KpiError)]
    return ([(e["ref"], e["code"]) for e in errors], [(c.code, c.count, c.cells) for c in causes.group(errors)],
            sorted(ev.notes))


def test_what_the_commands_decide_is_the_same_in_every_language(tmp_path):
    """Whatever code reads from a message (a gap or an overlap in KPI_CHECK_BANDS' verdict,
    weights that do not sum to 100 %, a lookup with too few keys, an error passed on from
    another cell) decides the same in every language: check's severities and places, lint's
    findings and rows, recalc's error cells and causes, on the hand-written HR workbooks and
    on a gap that a policy covers (a warning, not an error)."""
    from kpi_udfs.adopt.lint import lint_workbook
    from kpi_udfs.check import check_workbook

    books = [m.path for m in hr.build_all(tmp_path / "hr").values()]
    books.append(_band_book(tmp_path / "covered.xlsx", ',"[)","HIGHER","WORSE"'))
    for book in books:
        with i18n.using("en"):
            want = (_shape_of_check(check_workbook(book)), _shape_of_lint(lint_workbook(book)), _shape_of_recalc(book))
            english = [f.message for f in check_workbook(book).findings]
        for lang in ("zh-CN", "zh-TW"):
            with i18n.using(lang):
                got = (_shape_of_check(check_workbook(book)), _shape_of_lint(lint_workbook(book)),
                       _shape_of_recalc(book))
                messages = [f.message for f in check_workbook(book).findings]
            assert got == want, (book.name, lang)
            assert all(m != e for m, e in zip(messages, english, strict=True)), (book.name, lang)
    assert [s for s, *_ in want[0]] == ["warning"]  # the covered gap: on_gap WORSE


def test_kpi_lint_and_adopt_in_chinese(tmp_path):
    material = hr.build_all(tmp_path / "hr")
    book = next(m.path for m in material.values() if m.path.name.startswith("售前"))
    res = CliRunner().invoke(app, ["--lang", "zh-CN", "lint", str(book)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert "个分档逻辑公式块" in res.output.splitlines()[-1] and "个缺陷" in res.output.splitlines()[-1]
    assert "不在任何档位内" in res.output
    out = tmp_path / "adopted.xlsx"
    res = CliRunner().invoke(app, ["--lang", "zh-TW", "adopt", str(book), "-o", str(out)], env={"COLUMNS": "300"})
    assert res.exit_code in (0, 1), res.output
    assert "個級距邏輯公式區塊已改為 KPI_ 函數" in res.output and "報告：" in res.output
    report = out.with_name("adopted.adopt-report.md").read_text(encoding="utf-8")
    assert "## 規則工作表上的表" in report and "## 下一步" in report


def test_the_conformance_probe_reads_reasons_in_english_whatever_the_language(tmp_path):
    """The conformance runner classifies cells by their reasons' English words
    (``unknown function …``): it runs its probe in English."""
    from kpi_udfs.recalc import conformance

    book = _book_with_error_cells(tmp_path / "book.xlsx")
    with i18n.using("en"):
        want = conformance.check_workbook(book)
    with i18n.using("zh-CN"):
        got = conformance.check_workbook(book)
    for r in (want, got):
        r.pop("seconds"), r.pop("engine_seconds")
    assert got == want and got["unsupported"] == {"FOOBAR": 1}


def test_the_lite_bundle_carries_the_translations_of_the_engine_only():
    """main.py embeds the messages its engine can show (every function's help, every
    reason) and leaves the kpi command's own messages out (most of the catalogue)."""
    from kpi_udfs import lite_bundle

    kept = i18n_build.compiled(lite_bundle.engine_catalogue("zh-TW"))
    full = i18n_build.compiled(i18n.catalogue_path("zh-TW").read_bytes())
    for fn in catalogue():
        for text in (fn.help, fn.returns, *(p.help for p in fn.params)):
            assert kept[text] == full[text]
    assert kept["denominator is 0"] == "分母為 0"
    assert "writing {count} cells" not in kept and "from {cell}: {reason}" not in kept
    assert len(kept) < len(full) / 2


def test_kpi_addin_install_bakes_in_the_language_of_lang_in_a_fresh_process(tmp_path):
    """Was: the add-in module, imported by `kpi addin install`, set its own language (English,
    from the empty configuration) on import, so a fresh `kpi --lang zh-CN addin install`
    wrote KPI_LANG=en and printed English."""
    import os
    import subprocess
    import sys

    config = tmp_path / "xlwings.conf"
    env = {k: v for k, v in os.environ.items() if k not in ("KPI_LANG", "KPI_ERRORS")} | {"COLUMNS": "300"}
    done = subprocess.run([sys.executable, "-m", "kpi_udfs.cli", "--lang", "zh-CN", "addin", "install", "--config",
                           str(config), "--addin-dir", str(tmp_path / "addin")],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"已将 KPI 加载项的设置写入 {config}：")
    assert '"KPI_LANG","zh-CN"' in config.read_text(encoding="utf-8")
