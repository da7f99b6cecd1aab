"""Languages: every message and every help text has a translation in each catalogue, the
compiled catalogues are up to date, and what users see follows KPI_LANG / --lang."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpi_udfs import KPI_BAND, KPI_GRADE, KPI_MAP, KPI_RATE, i18n, i18n_build
from kpi_udfs.cli import app
from kpi_udfs.excel_udf import HELP_LIMIT, argument_help, description
from kpi_udfs.reference import FILES, reference_markdown
from kpi_udfs.registry import catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kpi_udfs"
#: Modules whose every user-facing string must go through kpi_udfs.i18n. Part two of
#: issue 13 adds the kpi commands (cli, recalc, check, templates_cli) here.
TRANSLATED_MODULES = [
    "coerce.py",
    "registry.py",
    "errors.py",
    "excel_udf.py",
    "reference.py",
    "lite_bundle.py",
    *sorted(p.name for p in (PACKAGE / "functions").glob("*.py")),
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
    """No KpiError reason written as a bare string or f-string in the translated modules."""
    path = PACKAGE / module if (PACKAGE / module).exists() else PACKAGE / "functions" / module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "KpiError" and len(node.args) > 1:
            reason = node.args[1]
            assert not isinstance(reason, (ast.Constant, ast.JoinedStr)), f"{module}:{node.lineno}"


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
