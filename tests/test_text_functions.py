"""Text functions (TEXTBEFORE, TEXTAFTER, BAHTTEXT…) against Excel's own values.

Expected values: the cached values Excel saved in IronCalc's TEXT__TEXTBEFORE_TEXTAFTER
test book and in the `formulas` package's test book (shared corpus), same inputs.
"""

from __future__ import annotations

from openpyxl.worksheet.formula import ArrayFormula

from kpi_udfs.errors import KpiError
from tests.test_recalc_excel_values import _both


def _show(v):
    return v.code if isinstance(v, KpiError) else v


def test_textafter_and_textbefore_as_excel(tmp_path):
    s = "123 the 456 the 891"
    got = _both(tmp_path, {
        "A1": s, "A2": "del", "A3": "Email - me@example.com", "A4": "you@example.com", "A5": True,
        "B1": '=TEXTAFTER(A1,"the",2)', "B2": '=TEXTBEFORE(A1,"THE",2,1)', "B3": '=TEXTAFTER(A1,"the",-1.2)',
        "B4": '=TEXTAFTER(A1,"THE",2,0,0,"@")', "B5": '=TEXTAFTER(A1,"the",0)', "B6": '=TEXTAFTER(A1,"the",5,1,0,"nf")',
        "B7": '=TEXTAFTER(A1,"Hello",1,1,1,"F")', "B8": '=TEXTBEFORE(A1,"Hello",-1,1,1,"F")',
        "B9": '=TEXTAFTER(A1,"Hello",2,1,1,"F")', "B10": '=TEXTAFTER(A1,"the",1,1,2)',
        "C1": '=TEXTAFTER(A2,"deli")', "C2": '=TEXTAFTER(A2,"deli",1)', "C3": '=TEXTAFTER(A3,"- ",-1,,1)',
        "C4": '=TEXTAFTER(A4,"- ",-1,,1)', "C5": '=TEXTAFTER(A5,"r",1,1)', "C6": '=TEXTAFTER(A5,"r")',
        "C7": '=TEXTAFTER(A5,"r",1,0,0,Z1)', "C8": '=TEXTAFTER(A1,"the",1,1/0)', "C9": '=TEXTAFTER(A1,"the",1,0,0,1/0)',
        "C10": '=TEXTAFTER("1,2,3,4,5,6,7,8",{"3","4"},2.3,10)', "C11": '=TEXTBEFORE("10","1",10)',
    })
    assert [_show(got[f"B{r}"]) for r in range(1, 11)] == [
        " 891", "123 the 456 ", " 456 the 891", "@", "#VALUE!", "nf", "", "", "F", "#VALUE!"]
    assert [_show(got[f"C{r}"]) for r in range(1, 12)] == [
        "#N/A", "#VALUE!", "me@example.com", "you@example.com", "UE", "#N/A", "", "#DIV/0!", " 456 the 891",
        "#VALUE!", "#VALUE!"]


def test_bahttext_in_thai_words(tmp_path):
    # Microsoft's BAHTTEXT page: 1234 is หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน; the rest are the
    # cached values of the `formulas` test book (157, 65.8, -1, TRUE, an empty cell).
    got = _both(tmp_path, {"A1": "=BAHTTEXT(1234)", "A2": "=BAHTTEXT(157)", "A3": "=BAHTTEXT(65.8)",
                           "A4": "=BAHTTEXT(-1)", "A5": "=BAHTTEXT(TRUE)", "A6": "=BAHTTEXT(Z1)",
                           "A7": '=BAHTTEXT("ciao")'})
    assert [_show(got[f"A{r}"]) for r in range(1, 8)] == [
        "หนึ่งพันสองร้อยสามสิบสี่บาทถ้วน", "หนึ่งร้อยห้าสิบเจ็ดบาทถ้วน", "หกสิบห้าบาทแปดสิบสตางค์",
        "ลบหนึ่งบาทถ้วน", "หนึ่งบาทถ้วน", "ศูนย์บาทถ้วน", "#VALUE!"]


def test_search_with_excel_wildcards(tmp_path):
    # IronCalc's TEXT__FIND_SEARCH book (cached values).
    cases = [("ns??i", "Einstein", 3), ("ns?i", "Einstein", "#VALUE!"), ("*~?", "Late?", 1), ("~?", "Late?", 5),
             ("Lat???", "Late", "#VALUE!"), ("~*", "Ho*la", 3), ("~~", "Hi ~Bang!", 4), ("~", "Hello", 1),
             ("~d", "My dear", 4), ("~~*", "Ho*la", "#VALUE!"), ("国?港", "中国香港", 2), ("h", "Hello", 1)]
    cells = {f"A{i + 1}": f'=SEARCH("{f}","{w}")' for i, (f, w, _) in enumerate(cases)}
    cells |= {"B1": 2, "B2": 123, "B3": "=SEARCH(B1,B2)", "B4": '=SEARCH("ana","ana",2)', "B5": '=SEARCH("Hey","Hey",0)'}
    got = _both(tmp_path, cells)
    assert [_show(got[f"A{i + 1}"]) for i in range(len(cases))] == [want for *_, want in cases]
    assert [_show(got[c]) for c in ("B3", "B4", "B5")] == [2, "#VALUE!", "#VALUE!"]


def test_regex_functions(tmp_path):
    # IronCalc's TEXT__REGEX book and the `formulas` test book (cached values): every
    # match spills as a row, groups too (#N/A for one that took no part).
    got = _both(tmp_path, {
        "A1": "LonelyPlanet", "A2": "JamesBond",
        "B1": ArrayFormula("B1:C1", '=REGEXEXTRACT(A1,"[A-Z][a-z]+",1)'),
        "B2": ArrayFormula("B2:D2", '=REGEXEXTRACT("1a2b3c","((\\d)[bc]+|(3c))",2)'),
        "B3": '=REGEXREPLACE(A2,"([A-Z][a-z]+)([A-Z][a-z]+)","$2, $1 $2")', "B4": '=REGEXTEST("Mr. Sherlock","[A-Z]her")',
        "B5": '=REGEXEXTRACT("abc","x")', "B6": '=REGEXEXTRACT("abc","b",2)',
    })
    assert (got["B1"], got["C1"]) == ("Lonely", "Planet")
    assert (got["B2"], got["C2"], _show(got["D2"])) == ("2b", "2", "#N/A")
    assert (got["B3"], got["B4"], _show(got["B5"]), _show(got["B6"])) == ("Bond, James Bond", True, "#N/A", "#VALUE!")


def test_dollar_in_the_us_currency_format(tmp_path):
    # formulacompiler's ConversionFunctions_en_US book (cached values).
    got = _both(tmp_path, {"A1": "=DOLLAR(123)", "A2": "=DOLLAR(-1234.567)", "A3": "=DOLLAR(-1234.5678,-3)",
                           "A4": "=DOLLAR(-1234.5678,3)"})
    assert [got[f"A{r}"] for r in range(1, 5)] == ["$123.00", "($1,234.57)", "($1,000)", "($1,234.568)"]
