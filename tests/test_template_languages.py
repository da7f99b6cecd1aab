"""The templates in the workbook's language (issue 13, part three).

``kpi --lang L new`` writes a template whose Rules sheet (titles, labels, notes, the policy
cells' labels and drop-downs), captions and summary headings are in L, with L stored in the
workbook; ``kpi new --from`` keeps it. A policy cell accepts its code and its label in any
of the three languages, computes exactly what the code computes, and refuses anything else
naming the argument; ``kpi check`` reads a label as the function does. The words are the
catalogues' own (the expected texts below are copied from them, not computed).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kpi_udfs import i18n, templates
from kpi_udfs.cli import app
from kpi_udfs.errors import KpiError
from kpi_udfs.i18n import LANGUAGES, translate
from kpi_udfs.recalc import evaluate
from kpi_udfs.registry import catalogue, choice_spellings, code_key
from kpi_udfs.templates.layout import (
    CALC_FILL,
    FIRST_ROW,
    HISTORY,
    INPUT_FILL,
    LANGUAGE_PROPERTY,
    RULES,
    STAFF,
    SUMMARY,
    Layout,
)
from kpi_udfs.templates.policies import CHOICES, dropdown
from kpi_udfs.templates.spec import SAMPLE_MONTH, section_words

runner = CliRunner()
T44 = templates.get("PreSales_T44")

#: What a PreSales_T44 workbook says in each language (from the catalogues): its title, the
#: legend, X_OnGap's label and its drop-down, a band table's title, Staff's first caption.
SAYS = {
    "en": ("Pre-sales CS team KPI (tables 4.4–4.6)", "Input (editable)", "Value in no band",
           ("error (#N/A) naming the gap", "the worse neighbouring band", "the better neighbouring band",
            "the nearest band"), "Table 4.4 order conversion rate X (35 %)", "Name"),
    "zh-CN": ("售前客服团队绩效考核（表4.4–4.6）", "输入（可编辑）", "落空策略",
              ("报错 #N/A 并说明缺档", "相邻较差档", "相邻较好档", "最近的档"), "表4.4 订单转化率 X（35 %）", "姓名"),
    "zh-TW": ("售前客服團隊績效考核（表4.4–4.6）", "輸入（可編輯）", "落空策略",
              ("傳回錯誤 #N/A 並說明缺口", "相鄰較差級距", "相鄰較好級距", "最近的級距"), "表4.4 訂單轉化率 X（35 %）", "姓名"),
}


@pytest.fixture(autouse=True)
def _language_after():
    yield
    i18n.set_language(None)


def kpi(*args: str, env: dict | None = None):
    res = runner.invoke(app, list(args), env={"COLUMNS": "300", **(env or {})})
    i18n.set_language(None)
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """PreSales_T44 written by ``kpi --lang L new`` in each language."""
    out = tmp_path_factory.mktemp("languages")
    for lang in LANGUAGES:
        kpi("--lang", lang, "new", T44.name, "-o", str(out / f"{lang}.xlsx"))
    return {lang: out / f"{lang}.xlsx" for lang in LANGUAGES}


def cell(wb, name: str):
    """The cell a defined name of one cell points at."""
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def set_cells(src: Path, dest: Path, **values) -> Path:
    wb = openpyxl.load_workbook(src)
    for name, value in values.items():
        cell(wb, name).value = value
    wb.save(dest)
    return dest


def language_of(path: Path) -> str:
    props = {p.name: p.value for p in openpyxl.load_workbook(path).custom_doc_props}
    return props[LANGUAGE_PROPERTY]


# ---------------------------------------------------------------------------
# The words of a workbook


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_template_built_in_each_language_has_its_rules_sheet_in_that_language(books, lang):
    wb = openpyxl.load_workbook(books[lang])
    title, legend, on_gap, labels, band_title, name = SAYS[lang]
    assert language_of(books[lang]) == lang
    rules = wb[RULES]
    assert rules["A1"].value == f"{title}  (S0-F)" and rules["A3"].value == legend
    assert any(c.value == band_title for c in rules["A"])
    # the policy cell: its label in the row's first column, its default's label in the cell,
    # the drop-down of the labels, the note explaining each with its code
    x_on_gap = cell(wb, "X_OnGap")
    assert rules[f"A{x_on_gap.row}"].value == on_gap and x_on_gap.value == labels[0]
    dv = next(dv for dv in rules.data_validations.dataValidation if x_on_gap.coordinate in dv.sqref)
    assert dv.formula1 == '"' + ",".join(labels) + '"' and dv.errorStyle == "information"
    note = rules[f"D{x_on_gap.row}"].value
    assert all(f"{label}（{code}" in note or f"{label} ({code}" in note
               for label, code in zip(labels, ("ERROR", "WORSE", "BETTER", "NEAREST"), strict=True))
    # the captions above the Staff table's Chinese headers, which stay the schemes' own names
    staff = wb[STAFF]
    assert staff["A1"].value == name and staff["A2"].value == "姓名"
    assert [staff.cell(2, i + 1).value for i in range(len(T44.columns))] == [c.zh for c in T44.columns]
    # every text the template declares is on its sheets in the language (the seeds' quotes as they are)
    shown = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    joined = "\n".join(shown)
    for text, where in [*T44.words(), *section_words(_period())]:
        if where.startswith("kpi demo") or "formula text" in where:
            continue
        assert translate(text, lang) in joined, (lang, where, text)
        if lang != "en":
            assert translate(text, lang) != text, (lang, where, text)


def _period():
    from kpi_udfs.templates.layout import period_section

    return period_section(SAMPLE_MONTH)


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW"])
def test_a_chinese_workbook_has_no_english_sentence_outside_the_names_and_codes(books, lang):
    """Every text cell of Rules, Summary and the caption rows: no English word but the
    command it names (``kpi new --from LAST.xlsx``), codes (WORSE, AMB-18) and formulas;
    zh-TW in traditional characters and Taiwan's words (級距, not 档)."""
    wb = openpyxl.load_workbook(books[lang])
    texts = [c.value for ws in (wb[RULES], wb[SUMMARY]) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and not c.value.startswith("=")]
    texts += [c.value for ws in (wb[STAFF], wb[HISTORY]) for c in ws[1] if isinstance(c.value, str)]
    words = {w for t in texts for w in re.findall(r"\b[a-z]{4,}\b", t)}
    assert words <= {"from", "xlsx"}, sorted(words)
    if lang == "zh-TW":  # the explanations, not the rule and data cells, the seeds' words or their quotes
        seeds = {translate("Seed", lang)}
        joined = "".join(
            re.sub(r"「[^」]*」", "", c.value) for ws in (wb[RULES], wb[SUMMARY]) for row in ws.iter_rows()
            if row[0].value not in seeds for c in row
            if isinstance(c.value, str) and not c.value.startswith("=") and c.column_letter != "H"
            and c.fill.fgColor.rgb not in (INPUT_FILL.fgColor.rgb, CALC_FILL.fgColor.rgb))
        assert "級距" in joined and "儲存格" in joined
        assert not set("档级设为对说这个") & set(joined)


# ---------------------------------------------------------------------------
# A policy cell holding a label


def _values(path: Path, sheet: str) -> dict:
    return {c: v for (s, c), v in evaluate(path).values.items() if s == sheet}


def test_a_policy_cell_holding_a_label_computes_what_the_code_computes(tmp_path):
    """The committed (zh-CN) PreSales_T44 with its gap and grade-source policies given as
    codes, and as labels: of the workbook's language (相邻较差档), of English and of zh-TW
    (another language than the workbook's), through `kpi recalc`. By hand (S0-F table 4.4):
    刘洋 X = 84/200 = 42 % falls in the gap [40 %, 45 %): WORSE is the band X < 40 % → 50;
    Y = 162/150 = 1.08 → 80, Z = 480/500 = 96 % → 60, T = 28 s → 80, 合格 → 70; total
    0.35×50 + 0.25×80 + 0.15×60 + 0.15×80 + 0.10×70 = 65.5 → D. 陈杰 T = 38 s falls in (35, 40]:
    WORSE for LOWER is the slower band (40, ∞) → 50. FORCED: the grade for pay is the grade
    by quota."""
    committed = Path(__file__).resolve().parent.parent / "templates" / "PreSales_T44.xlsx"
    codes = set_cells(committed, tmp_path / "codes.xlsx", X_OnGap="WORSE", T_OnGap="WORSE", Grade_Source="FORCED")
    labels = set_cells(committed, tmp_path / "labels.xlsx", X_OnGap="相邻较差档", T_OnGap="the worse neighbouring band",
                       Grade_Source="依人員比例強制分配")
    for path in (codes, labels):
        kpi("recalc", str(path), "-o", str(path.with_name(path.stem + "-out.xlsx")))
    by_code, by_label = (_values(p.with_name(p.stem + "-out.xlsx"), STAFF) for p in (codes, labels))
    assert by_label == by_code
    assert _values(labels.with_name("labels-out.xlsx"), SUMMARY) == _values(codes.with_name("codes-out.xlsx"), SUMMARY)
    layout = Layout(T44, len(T44.sample))
    row = {name[0]: FIRST_ROW + i for i, name in enumerate(T44.sample)}
    at = lambda person, key: by_label[f"{layout.col[key]}{row[person]}"]  # noqa: E731
    assert at("刘洋", "px") == 50 and at("刘洋", "total") == pytest.approx(65.5) and at("刘洋", "grade") == "D"
    assert at("陈杰", "pt") == 50
    graded = [p for p in row if at(p, "forced") not in (None, "")]
    assert len(graded) >= 20 and all(at(p, "pay_grade") == at(p, "forced") for p in graded)
    assert any(at(p, "pay_grade") != at(p, "grade") for p in graded)  # the quota moved someone
    # the code cell the workbook's formulas read, next to the label
    wb = openpyxl.load_workbook(labels.with_name("labels-out.xlsx"), data_only=True)
    assert cell(wb, "Grade_Source_Code").value == "FORCED"


def test_an_unknown_label_is_an_error_naming_the_argument_and_listing_the_choices(tmp_path):
    committed = Path(__file__).resolve().parent.parent / "templates" / "PreSales_T44.xlsx"
    bad = set_cells(committed, tmp_path / "bad.xlsx", X_OnGap="较差的档", Grade_Source="按分数排")
    res = runner.invoke(app, ["--lang", "en", "recalc", str(bad), "-o", str(tmp_path / "out.xlsx"), "--json"])
    data = json.loads(res.stdout)
    layout = Layout(T44, len(T44.sample))
    reasons = {e["cell"]: (e["code"], e["reason"]) for e in data["errors"]}
    code, reason = reasons[f"{layout.col['px']}{FIRST_ROW}"]  # 王静's X points: every row with data
    assert (code, reason) == (
        "#VALUE!", "on_gap: '较差的档' is not one of ERROR, WORSE, BETTER, NEAREST, one of their labels (error (#N/A) "
        "naming the gap; the worse neighbouring band; the better neighbouring band; the nearest band) or a number")
    wb = openpyxl.load_workbook(bad)
    code, reason = reasons[cell(wb, "Grade_Source_Code").coordinate]
    assert code == "#N/A" and "'按分数排'" in reason and "SCORE" in reason and "forced distribution by quota" in reason
    # in Chinese the listing is the labels of the language in force
    res = runner.invoke(app, ["--lang", "zh-TW", "recalc", str(bad), "-o", str(tmp_path / "out.xlsx"), "--json",
                              "--force"])
    reasons = {e["cell"]: e["reason"] for e in json.loads(res.stdout)["errors"]}
    assert reasons[f"{layout.col['px']}{FIRST_ROW}"] == (
        "on_gap：'较差的档' 不是 ERROR, WORSE, BETTER, NEAREST 其中之一，不是它們的標籤（傳回錯誤 #N/A 並說明缺口；"
        "相鄰較差級距；相鄰較好級距；最近的級距）其中之一，也不是數字")


def test_a_number_policy_cell_holding_numeric_text_is_read_as_the_number(tmp_path):
    """AfterSales_130's floors (「0（默认）；不设下限（可为负）（NONE）；或一个数」) offer "0" in their
    drop-down; a Text-formatted cell, WPS or a paste keeps it as the text "0". Numeric text is
    read as its number, as everywhere else (it was #VALUE! "floor: '0' is not one of NONE…"
    on every row), and a full-width "－５" is -5."""
    committed = Path(__file__).resolve().parent.parent / "templates" / "AfterSales_130.xlsx"
    as_text = evaluate(set_cells(committed, tmp_path / "text.xlsx", Total_Floor="0", Att_Floor="0")).values
    as_number = evaluate(set_cells(committed, tmp_path / "number.xlsx", Total_Floor=0, Att_Floor=0)).values
    staff = [k for k in as_number if k[0] == "Staff"]
    assert not any(isinstance(as_text[k], KpiError) and not isinstance(as_number[k], KpiError) for k in staff)
    assert [as_text[k] for k in staff if not isinstance(as_number[k], KpiError)] == [
        as_number[k] for k in staff if not isinstance(as_number[k], KpiError)]
    minus5 = evaluate(set_cells(committed, tmp_path / "m5.xlsx", Att_Floor="－５")).values
    numbers = evaluate(set_cells(committed, tmp_path / "n5.xlsx", Att_Floor=-5)).values
    assert {k: minus5[k] for k in staff if not isinstance(numbers[k], KpiError)} == {
        k: numbers[k] for k in staff if not isinstance(numbers[k], KpiError)}
    assert any(numbers[k] != as_number[k] for k in staff)  # -5 differs from 0 somewhere: the cell is read


def test_kpi_check_reads_a_label_as_the_function_does(tmp_path):
    """The committed (zh-CN) PreSales_T44 with X_OnGap in English, T_OnGap in zh-TW and
    Grade_Source as its code: no error (neither the validation nor the calls), and the gaps
    are decided by on_gap WORSE (warnings naming the policy); a misspelt label is an error."""
    from kpi_udfs.check import ERROR, check_workbook

    committed = Path(__file__).resolve().parent.parent / "templates" / "PreSales_T44.xlsx"
    mixed = set_cells(committed, tmp_path / "mixed.xlsx", X_OnGap="the worse neighbouring band",
                      T_OnGap="相鄰較差級距", Grade_Source="FORCED")
    with i18n.using("en"):
        report = check_workbook(mixed)
    assert [f for f in report.findings if f.severity == ERROR] == []
    gaps = [f.message for f in report.findings if f.message.startswith("gap")]
    assert len(gaps) == 2 and all("values there follow on_gap WORSE" in m for m in gaps), gaps
    bad = set_cells(committed, tmp_path / "bad.xlsx", X_OnGap="较差的档")
    with i18n.using("en"):
        errors = [f for f in check_workbook(bad).findings if f.severity == ERROR]
    assert any("'较差的档' is not one of ERROR, WORSE, BETTER, NEAREST" in f.message for f in errors)
    assert any(f.kind == "validation" and "'较差的档'" in f.message for f in errors)


# ---------------------------------------------------------------------------
# Month after month


def test_kpi_new_from_keeps_last_months_language_unless_lang_says_otherwise(tmp_path):
    """March in zh-TW; April from March with KPI_LANG=en and no --lang: still zh-TW (the
    messages in English); a policy HR typed as a zh-CN label in April shows in May (--lang
    en) as its English label."""
    march, april, may = (tmp_path / f"{m}.xlsx" for m in ("march", "april", "may"))
    kpi("--lang", "zh-TW", "new", T44.name, "-o", str(march))
    res = kpi("new", T44.name, "-o", str(april), "--from", str(march), env={"KPI_LANG": "en"})
    assert "in 繁體中文 for 2016-04" in " ".join(res.output.split())
    assert language_of(april) == "zh-TW"
    wb = openpyxl.load_workbook(april)
    assert wb[RULES]["A3"].value == SAYS["zh-TW"][1] and cell(wb, "X_OnGap").value == "傳回錯誤 #N/A 並說明缺口"
    set_cells(april, april, X_OnGap="相邻较差档", Payout_Mode="BASE_X_COEF")
    kpi("--lang", "en", "new", T44.name, "-o", str(may), "--from", str(april), env={"KPI_LANG": "zh-TW"})
    assert language_of(may) == "en"
    wb = openpyxl.load_workbook(may)
    assert wb[RULES]["A3"].value == "Input (editable)"
    assert (cell(wb, "X_OnGap").value, cell(wb, "Payout_Mode").value) == ("the worse neighbouring band",
                                                                        "base × coefficient")


# ---------------------------------------------------------------------------
# The labels themselves


def _choice_params():
    seen = {}
    for fn in catalogue():
        for p in fn.params:
            if p.kind == "choice":
                seen.setdefault((p.choices, p.labels), (f"{fn.name}.{p.name}", p))
    for pid, p in CHOICES.items():
        seen.setdefault((p.choices, p.labels), (pid, p))
    return list(seen.values())


@pytest.mark.parametrize("pid, p", _choice_params(), ids=[pid for pid, _ in _choice_params()])
def test_every_choice_has_one_label_per_code_in_each_language_and_no_two_codes_share_a_spelling(pid, p):
    """Each label translated (zh-TW apart from zh-CN), one code per spelling (a label never
    reads as another code), and each fit for a list validation and a typed cell: no comma
    (the list separator), nothing Excel reads as a formula, an error, a number or a date."""
    from kpi_udfs.coerce import label_key, to_bool, to_number
    from kpi_udfs.errors import parse_error_text

    assert len(p.labels) == len(p.choices) and all(p.labels)
    spellings = choice_spellings(p)
    for code, label in zip(p.choices, p.labels, strict=True):
        words = {lang: translate(label, lang) for lang in LANGUAGES}
        assert words["zh-CN"] != label and words["zh-TW"] != label, (code, words)
        for lang, word in words.items():
            assert spellings[label_key(word)] == code, (lang, word)
            assert code_key(word) not in p.choices or code_key(word) == code, (lang, word)
            assert "," not in word and word[0] not in "=+-@#" and parse_error_text(word) is None, word
            assert not isinstance(to_number(word, "x"), float) and isinstance(to_bool(word, "x"), KpiError), word
    assert len(set(spellings.values())) == len(p.choices)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_policy_drop_downs_and_their_messages_fit_excels_limits(lang):
    """A list validation's text is at most 255 characters, its error title 32 and its error
    message 255 (Excel refuses the file otherwise), in every language and every template."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from kpi_udfs.templates.layout import _policy_validation

    for name in templates.names():
        for s in templates.get(name).settings().values():
            if not s.policy:
                continue
            assert len('"' + ",".join(dropdown(s.policy, s.value, lang)) + '"') <= 257, (name, s.name)
            ws = openpyxl.Workbook().active
            _policy_validation(ws, s, "C1", lang)
            dv: DataValidation = ws.data_validations.dataValidation[0]
            assert len(dv.errorTitle) <= 32 and len(dv.error) <= 255, (name, s.name, lang)
