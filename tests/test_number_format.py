"""TEXT's number formats (kpi_udfs/recalc/excel/number_format.py) against what Excel shows.

Every expected text below is Excel's, taken from one of these sources (named per table):

* CORPUS — cached values Excel saved in the shared conformance corpus
  (../shared/conformance/excel/<file>, sheet!cell given per row). The rows marked as
  regressions were wrong before this renderer (checked through ``kpi recalc``'s engine).
* SSF — SheetJS SSF's test tables, built from Excel output: test/oddities.json,
  test/fraction.json, test/exp.tsv, test/comma.tsv (github.com/SheetJS/sheetjs), and the
  Excel fraction table test_files/oddities.tsv of SheetJS/frac.
* NUMFMT — borgar/numfmt's tests "reviewed and conformed to Excel" (test/*.spec.ts:
  ssf-oddities, ssf-fraction, numfmt, conditionals, comma, fragmented-numbers, expformat,
  error, text, datebounds).
* MS — Microsoft Support, "Review guidelines for customizing a number format" and "Number
  format codes", and the TEXT function page: the documented meaning of each code, applied by
  hand to the value (dates counted by hand from serial 1 = 1900-01-01, with Excel's
  1900-02-29, or from serial 0 = 1904-01-01 in the 1904 system).
* SHEETJS-ISSUE — SheetJS/ssf issue #54 (a maintainer testing Excel 2019): ``am/pm`` is
  always shown upper-case, ``a/p`` keeps the case written.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel

from kpi_udfs.recalc import conformance as conf
from kpi_udfs.recalc.excel.number_format import Invalid, format_value, general

VALUE_ERROR = "#VALUE!"


def text(value, code, **kw):
    """TEXT(value, code) as a string, "#VALUE!" where Excel's TEXT gives #VALUE!."""
    try:
        return format_value(value, code, **kw)
    except Invalid:
        return VALUE_ERROR


# --------------------------------------------------------------------------- CORPUS

# (file, sheet!cell, value, format, Excel's cached text): cells our TEXT got wrong before.
FORMULAS = "formulas__test__test_files__test.xlsx"
PYCEL = "pycel__tests__fixtures__text.xlsx"
# fmt: off
CORPUS_REGRESSIONS = [
    (FORMULAS, "EXTRA!A2", 1.000000001, "00###.##.0000.00", "001..0000.00"),
    (FORMULAS, "EXTRA!A4", 1.23, '#"°F""', VALUE_ERROR),
    (FORMULAS, "EXTRA!A13", 1234567890.0, "0,## ##, ##", "1,234,56 7,8 90"),
    (FORMULAS, "EXTRA!A14", 1234567890.0, "+0,## ## ##", "+1,234,56 7,8 90"),
    (FORMULAS, "EXTRA!A15", 1234567890.0, "0,## ## ,##", "1,234,56 7,8 ,90"),
    (FORMULAS, "EXTRA!A16", 1000000.555, "0 .  # ,0.00.0,00", "1000000 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A17", 1234567.555, "#,##000######## .  # ,0.00.0,00", "00,01,234,567 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A18", 1000000.555, "##00,############# .  # ,0.00.0,00", "001,000,000 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A19", 12345678.555, "#,##000######## .  # ,0.00.0,00", "00,012,345,678 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A20", 1234578.555, "#,##00000000####0### .  # ,0.00.0,00", "0,000,000,01,234,578 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A21", 1234578.555, "#,##00000000######## .  # ,0.00.0,00", "0,000,000,01,234,578 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A22", 1234578.555, "#,##000000070###### .  # ,0.00.0,00", "00,000,0071,234,578 .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A23", 1234578.555, "#,##00000,  ,00 , 0########    .  # ,0.00.0,00",
     "0,000,0  ,00, , 01,234,578    .  5 ,5.50.000"),
    (FORMULAS, "EXTRA!A24", 1234578.555, "0cc###,00", "1,2cc34,579"),
    (FORMULAS, "EXTRA!A27", 1234578.555, "#,##00000,  ,00 , 0##e+8800######    .  # ,0.00.0,00", VALUE_ERROR),
    (FORMULAS, "EXTRA!A29", 12200000.0, "0.00E-##", "1.22E7"),
    (FORMULAS, "EXTRA!A31", 0.000122, "0.00E-##", "1.22E-4"),
    (FORMULAS, "EXTRA!A32", 0.000122, "0.00E+##", "1.22E-4"),
    (FORMULAS, "EXTRA!A33", 12200000.0, "0.00E+##", "1.22E+7"),
    (PYCEL, "TextDates!C9", "X", ';-  ##.0;"ZERO"@;"X"', VALUE_ERROR),
    (PYCEL, "TextDates!C10", 0, '"-> "#.00;-#;"SS"m;"ZERO"@', "SS1"),
    (PYCEL, "TextDates!C12", 71003160, "[hh]", "1704075840"),
    (PYCEL, "TextDates!C13", 2958466, "[h]", "71003184"),
    (PYCEL, "TextDates!C18", -1, "[h]", "-24"),
    (PYCEL, "TextDates!C20", 0, "[h]:m", "0:0"),
    (PYCEL, "TextDates!C22", -1, "[m]", "-1440"),
    (PYCEL, "TextDates!C26", -1, "[s]", "-86400"),
    (PYCEL, "TextNumbers!C2", 1234567.89, '#,#"ZZ"#.0"YY"00', "1,234,56ZZ7.8YY90"),
    (PYCEL, "TextNumbers!C3", 0, '#,#"ZZ"#.0"YY"00@', VALUE_ERROR),
    (PYCEL, "TextNumbers!C6", 0, '#,#"ZZ"#.0z00', "ZZ.0z00"),
    (PYCEL, "TextNumbers!C8", 0, "w;x;z@", "w"),
    (PYCEL, "TextNumbers!C13", -1, "", "-"),
    (PYCEL, "TextNumbers!C17", -1, "w;x@", "-w"),
    (PYCEL, "TextNumbers!C25", 890123.456789, "#.###.#.#.#", "890123.456.7.8.9"),
    (PYCEL, "TextNumbers!C26", 890123.456789, "#.###.##.#", "890123.456.78.9"),
    (PYCEL, "TextNumbers!C27", 890123.456789, "#,###.##.#", "890,123.45.7"),
    (PYCEL, "TextNumbers!C28", 890123.456789, "#,###.##.##", "890,123.45.68"),
    (PYCEL, "TextNumbers!C29", 890123.456789, "#,###.##.###", "890,123.45.679"),
    (PYCEL, "TextNumbers!C30", 890123.456789, "#,#.##.##,#", "890,123.45.679"),
    (PYCEL, "TextNumbers!C31", 890123.456789, "#,#.##.##\\,#", "890,123.45.67,9"),
    (PYCEL, "TextNumbers!C32", 890123.456789, "0,0.00.0", "890,123.45.7"),
    (PYCEL, "TextNumbers!C33", 890123.456789, "0,#.00.0", "890,123.45.7"),
    (PYCEL, "TextNumbers!C34", 890123.456789, "0,x#.00.0", "89012x3.45.7"),
    (PYCEL, "TextNumbers!C35", 890123.456789, "#,0x#.00.0", "890,12x3.45.7"),
    (PYCEL, "TextNumbers!C36", 890123.456789, "#x,0x#.00.0", "8901x,2x3.45.7"),
    (PYCEL, "TextNumbers!C37", 890123.456789, "#x,0,#.00.0", "890,1x,23.45.7"),
    (PYCEL, "TextNumbers!C38", 890123.456789, ",#.00.0", ",890123.45.7"),
    (PYCEL, "TextNumbers!C39", 890123.456789, ".#", "890123.5"),
    (PYCEL, "TextNumbers!C40", 890123.456789, "#.###x,##", "890123.456x,79"),
    (PYCEL, "TextNumbers!C41", 890123.456789, "#.###,x##", "890123.456x79"),
    (PYCEL, "TextNumbers!C42", 890123.456789, "#.###,x,##", "890123.456x,79"),
    (PYCEL, "TextNumbers!C50", 890123.456789, "#.#####00#0", "890123.45678900"),
    (PYCEL, "TextNumbers!C64", 1234.56, ".#", "1234.6"),
    (PYCEL, "TextNumbers!C65", 1234.56, ".##", "1234.56"),
    (PYCEL, "TextNumbers!C66", 1234.56, ".##0", "1234.560"),
]
# fmt: on

# Cells that already came out right and must stay so (same corpus, Excel's cached text).
IRONCALC = "IronCalc__xlsx__tests__calc_tests__TEXT__TEXT.xlsx"
CORPUS_KEPT = [
    (IRONCALC, "NUMBERS!E6", -12, "#,##0_);(#,##0)", "(12)"),
    (IRONCALC, "NUMBERS!E7", -0.3333333333333333, "#,##0_);(#,##0)", "(0)"),
    (IRONCALC, "NUMBERS!B7", -0.3333333333333333, "0", "0"),
    (IRONCALC, "NUMBERS!C7", -0.3333333333333333, "0.00", "-0.33"),
    (IRONCALC, "NUMBERS!G8", -12345.6789, "00-00-00-00", "-00-01-23-46"),
    (IRONCALC, "NUMBERS!G7", -0.3333333333333333, "00-00-00-00", "00-00-00-00"),
    (IRONCALC, "NUMBERS!G10", 123456789012, "00-00-00-00", "123456-78-90-12"),
    (IRONCALC, "NUMBERS!I7", -0.3333333333333333, "[Red]#.#", "-.3"),
    (IRONCALC, "NUMBERS!I9", 0, "[Red]#.#", "."),
    (IRONCALC, "NUMBERS!I17", -2.7e-18, "[Red]#.#", "."),
    (IRONCALC, "NUMBERS!J5", 12345.6789, '#,#.00 "Millions!"', "12,345.68 Millions!"),
    (IRONCALC, "NUMBERS!K7", -0.3333333333333333, "0.00%", "-33.33%"),
    (IRONCALC, "NUMBERS!K17", -2.7e-18, "0.00%", "0.00%"),
    (IRONCALC, "NUMBERS!L10", 123456789012, '#,##,, "Millions"', "123,457 Millions"),
    (IRONCALC, "NUMBERS!M4", 0.3333333333333333, "0.00E+0", "3.33E-1"),
    (IRONCALC, "NUMBERS!M9", 0, "0.00E+0", "0.00E+0"),
    (IRONCALC, "NUMBERS!M17", -2.7e-18, "0.00E+0", "-2.70E-18"),
    (IRONCALC, "NUMBERS!M19", -2.5e-09, "0.00E+0", "-2.50E-9"),
    (IRONCALC, "NUMBERS!B12", 1.23456e19, "0", "12345600000000000000"),
    (IRONCALC, "NUMBERS!D12", 1.23456e19, "#,##0", "12,345,600,000,000,000,000"),
    (IRONCALC, "NUMBERS!H10", 123456789012, "General", "1.23457E+11"),
    (IRONCALC, "NUMBERS!H20", -1e-08, "General", "-0.00000001"),
    (IRONCALC, "DATES!B2", 41181, "m/d/y", "9/29/12"),
    (IRONCALC, "DATES!C2", 41181, "dd/mm--yy", "29/09--12"),
    (IRONCALC, "DATES!D2", 41181, "ddd--/--mmm--/++yyy", "Sat--/--Sep--/++2012"),
    (IRONCALC, "DATES!E2", 41181, "dddd/mmmm/yyyyy", "Saturday/September/2012"),
    (IRONCALC, "DATES!F2", 41181, "ddddd/mmmmm/yyyyy", "Saturday/S/2012"),
    (IRONCALC, "DATES!G2", 41181, "mm###", VALUE_ERROR),
    (IRONCALC, "DATES!B16", 100, "m/d/y", "4/9/00"),
    (IRONCALC, "DATES!D16", 100, "ddd--/--mmm--/++yyy", "Mon--/--Apr--/++1900"),
    (IRONCALC, "DATES!B24", 2958465, "m/d/y", "12/31/99"),
    (IRONCALC, "DATES!B25", 2958466, "m/d/y", VALUE_ERROR),
    (IRONCALC, "DATES!B26", -1, "m/d/y", VALUE_ERROR),
    (FORMULAS, "EXTRA!A3", 10.93, '#".505#""°F""#"', "11.505#°F#"),
    (FORMULAS, "EXTRA!A5", 1000000.0, "##,00.00", "1,000,000.00"),
    (FORMULAS, "EXTRA!A6", 1.23, "#%%%", "1230000%%%"),
    (FORMULAS, "EXTRA!A9", 10000.0, "#000000.##", "010000."),
    (FORMULAS, "EXTRA!A12", 1.23, "# ### %%%", "1230 000 %%%"),
    (FORMULAS, "EXTRA!A25", 123456.0, "##0° 00' 00''", "12° 34' 56''"),
    (FORMULAS, "EXTRA!A26", 1234.0, "5000700", "5012734"),
    (FORMULAS, "EXTRA!A28", 12200000.0, "#######.0E+00", "1.2E+07"),
    (FORMULAS, "EXTRA!A30", -1234.567, '"dd"$#,##0.00', "-dd$1,234.57"),
    (FORMULAS, "EXTRA!A34", 1.0, "[<=1]x;[<=2]a;b", "x"),
    (FORMULAS, "EXTRA!A35", 2.0, "[<=1]a;[=2]xx;xcx", "xx"),
    (FORMULAS, "EXTRA!A36", 3.0, "[<=1]a;[=2]aa;xxx", "xxx"),
    (FORMULAS, "EXTRA!A37", 130.0, "m mm mmm mmmm mmmmm mmmmmm mmmmmmm", "5 05 May May M May May"),
    (FORMULAS, "EXTRA!A38", 130.0, "d dd ddd dddd ddddd dddddd", "9 09 Wed Wednesday Wednesday Wednesday"),
    (FORMULAS, "EXTRA!A39", 130.0, "y yy yyy yyyy yyyyyy", "00 00 1900 1900 1900"),
    (FORMULAS, "EXTRA!A40", 130.31322, "s ss sss ssss", "2 02 02 02"),
    (FORMULAS, "EXTRA!A41", 130.63332, "h hh hhh hhhh", "15 15 15 15"),
    (FORMULAS, "EXTRA!A42", 130.33332, "h hh hhh hhhh", "7 07 07 07"),
    (FORMULAS, "EXTRA!A43", 130.33332, "hm hmm hmmm hmmmm", "759 759 7May 7May"),
    (FORMULAS, "EXTRA!A53", 130.0, "MM/DD/YY", "05/09/00"),
    (FORMULAS, "TEXT!R43", 0, "#.00", ".00"),
    (FORMULAS, "TEXT!V43", -1, "#.00", "-1.00"),
    (FORMULAS, "TEXT!Y43", True, "#.00", "TRUE"),
    (PYCEL, "TextDates!C5", -1, '##.00;-  ##.0;"ZERO"', "-  1.0"),
    (PYCEL, "TextDates!C6", 0, '##.00;-  ##.0;"ZERO"', "ZERO"),
    (PYCEL, "TextDates!C8", "X", '##.00;-  ##.0;"ZERO";->@<-@', "->X<-X"),
    (PYCEL, "TextDates!C14", 2958466, "h", VALUE_ERROR),
    (PYCEL, "TextDates!C16", 2958465, "h", "0"),
    (PYCEL, "TextDates!C19", -1, "[h]:m", VALUE_ERROR),
    (PYCEL, "TextDates!C21", -1, "h", VALUE_ERROR),
    (PYCEL, "TextDates!C23", -1, "[m]:s", VALUE_ERROR),
    (PYCEL, "TextDates!C24", 0, "[m]:s", "0:0"),
    (PYCEL, "TextDates!C27", -1, "[s].000", VALUE_ERROR),
    (PYCEL, "TextDates!C28", 0, "[s].000", "0.000"),
    (PYCEL, "TextNumbers!C4", 0, '#,#"ZZ"#.0Y00', VALUE_ERROR),
    (PYCEL, "TextNumbers!C7", -1, "w;x;z@", "x"),
    (PYCEL, "TextNumbers!C11", 0, "w;x;z", "z"),
    (PYCEL, "TextNumbers!C14", 0, "", ""),
    (PYCEL, "TextNumbers!C16", "Plugh", "", "Plugh"),
    (PYCEL, "TextNumbers!C44", 890123.456789, "#%", "89012346%"),
    (PYCEL, "TextNumbers!C46", 890123.456789, "#%#", "8901234%6"),
    (PYCEL, "TextNumbers!C48", 890123.456789, "%#%#%", "%89012345678%9%"),
    (PYCEL, "TextNumbers!C49", 890123.456789, "%#%#%#%", "%890123456789%0%0%"),
    (PYCEL, "TextNumbers!C57", 1, "#.", "1."),
    (PYCEL, "TextNumbers!C63", 1234.56, "$x*y#,##0* ", "$x1,235"),
    (PYCEL, "TextNumbers!C67", -1, '##.00;##.0;"ZERO";->@<-', "1.0"),
    (PYCEL, "All!L16", "XYZZY", "#.###", "XYZZY"),
    (PYCEL, "All!L20", -2.34, "#.###", "-2.34"),
]


@pytest.mark.parametrize(("book", "cell", "value", "code", "expected"), CORPUS_REGRESSIONS + CORPUS_KEPT)
def test_excel_cached_values_of_the_corpus(book, cell, value, code, expected):
    assert text(value, code) == expected


CORPUS = conf.corpus_dir()
# workbooks saved by an en-US Excel with TEXT(a, b) over constants; the formulacompiler books
# of other locales (de_CH, ru_RU, custom separators) show their own separators and are left out
TEXT_BOOKS = [FORMULAS, PYCEL, IRONCALC]


def _text_cells(path):
    """(cell, value, format, cached text) of each =TEXT(a,b) whose arguments are constants or
    cells holding numbers, booleans or format text."""
    formulas = openpyxl.load_workbook(path, data_only=False)
    values = openpyxl.load_workbook(path, data_only=True)
    for ws in formulas.worksheets:
        cached = values[ws.title]
        for row in ws.iter_rows():
            for c in row:
                m = re.fullmatch(
                    r'=TEXT\((\$?[A-Z]+\$?\d+|-?[\d.]+),\s*(\$?[A-Z]+\$?\d+|"(?:[^"]|"")*")\)', str(c.value)
                )
                if not m:
                    continue
                args = []
                for a in m.groups():
                    if a.startswith('"'):
                        args.append(a[1:-1].replace('""', '"'))
                    elif a[0].isdigit() or a[0] == "-":
                        args.append(float(a))
                    else:
                        args.append(cached[a.replace("$", "")].value)
                value, code = args
                if isinstance(value, (dt.datetime, dt.date, dt.time)):
                    value = to_excel(value)  # openpyxl reads date-formatted cells as dates
                if code is None:
                    code = ""
                if isinstance(value, str) or not isinstance(code, str):
                    continue  # text read as a number, or a number as format: the caller's part
                expected = cached[c.coordinate].value
                yield f"{ws.title}!{c.coordinate}", 0 if value is None else value, code, expected or ""


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not available")
@pytest.mark.parametrize("book", TEXT_BOOKS)
def test_every_constant_text_cell_of_the_corpus(book):
    cells = list(_text_cells(CORPUS / book))
    assert cells
    wrong = [(cell, value, code, expected, text(value, code)) for cell, value, code, expected in cells
             if text(value, code) != expected]  # fmt: skip
    assert not wrong


# --------------------------------------------------------------------------- numbers

NUMBERS = [
    # SSF test/oddities.json (rows without a skip mark) and NUMFMT ssf-oddities.spec.ts
    ('"foo";"bar";"baz";"qux"', 1, "foo"),
    ('"foo";"bar";"baz";"qux"', -1, "bar"),
    ('"foo";"bar";"baz";"qux"', 0, "baz"),
    ('"foo";"bar";"baz";"qux"', "sheetjs", "qux"),
    ('"foo";"bar";"baz"', "sheetjs", "sheetjs"),
    ('"foo";"bar";@', 0, "foo"),
    ('"foo";"bar"', 0, "foo"),
    ("@@", 1, "1"),
    ("@@", -1, "-1"),
    ("@@", "sheetjs", "sheetjssheetjs"),
    ("[Blue]General", -1, "-1"),
    ("[Blue]General", "sheetjs", "sheetjs"),
    ('A"TODO"', -1, "-ATODO"),
    ("r", -1, "-r"),
    ("((;@", 0, "(("),
    ("((;@", "foo", "foo"),
    ("\\r", 0, "r"),
    ('_($* #,##0_);_($* (#,##0);_($* "-"_);_(@_)', 1, " $1 "),
    ('_($* #,##0_);_($* (#,##0);_($* "-"_);_(@_)', -1, " $(1)"),
    ('_($* #,##0_);_($* (#,##0);_($* "-"_);_(@_)', 0, " $- "),
    ('_($* #,##0_);_($* (#,##0);_($* "-"_);_(@_)', "text", " text "),
    ("#0.#", 0, "0."),
    ("#0.#", 12.34, "12.3"),
    ("#0.#", -1.23, "-1.2"),
    ("#,##0.0", 0, "0.0"),
    ("#,##0.000000000", 1000000, "1,000,000.000000000"),
    ("#,###", 0, ""),
    ("#,###", 12345.6789, "12,346"),
    ("#.##", 0, "."),
    ("#.##", -1, "-1."),
    ("0;0", -1.1, "1"),
    ("0.00", 1.0001, "1.00"),
    ("0.##", 0, "0."),
    ("0.##", 1000000000000.01, "1000000000000.01"),
    ("0.##", 1.007, "1.01"),
    ("0.##", -1.008, "-1.01"),
    ("123", 0.7, "123"),
    ("** #,###,#00,000.00,**", 1.2345, " 00,000.00"),
    ("** #,###,#00,000.00,**", 12.345, " 00,000.01"),
    ("** #,###,#00,000.00,**", 1234567.89, " 01,234.57"),
    ("** #,###,#00,000.00,**", 123456822, " 123,456.82"),
    ("** #,###,#00,000.00,**", 1234568223333, " 1,234,568,223.33"),
    ("** #,###,#00,000.00,**", 123456822333333000, " 123,456,822,333,333.00"),
    ("** #,###,#00,000.00,**", 1.23456822333333e21, " 1,234,568,223,333,330,000.00"),
    ("00,000.00,", 12345, "00,012.35"),
    ("00,000.00", 12345, "12,345.00"),
    ("000#0#0#0##00##00##0#########", 12345, "0000000000012345"),
    ("0#######0.##0##0######00######0", 12.3456789, "012.3456789000"),
    ("0#######0.##0##0######00######0", 123456789, "123456789.00000"),
    ("###\\###\\##0.00", 0.00101, "##0.00"),
    ("###\\###\\##0.00", 101, "#1#01.00"),
    ("###\\###\\##0.00", 10100, "1#01#00.00"),
    ("###\\###\\##0.00", 123456789.01, "12345#67#89.01"),
    ("###\\\\###\\\\##\\0.00", 0.101, "\\\\0.10"),
    ("###\\\\###\\\\##\\0.00", 1.01, "\\\\10.01"),
    ("###\\\\###\\\\##\\0.00", 101000, "1\\010\\000.00"),
    ("###\\\\###\\\\##\\0.00", 123456789.01, "1234\\567\\890.01"),
    ("###\\\\###\\\\##\\0", 12345.6789, "\\123\\460"),
    ("0.0#", 12345.0, "12345.0"),
    ("0.0#", 12.345, "12.35"),
    ("0.0#", 0.0012345, "0.0"),
    ("0.0#", 15.06, "15.06"),
    ("00000-0000", 941051630, "94105-1630"),
    ("00000-0000", 12345.6789, "00001-2346"),
    ("000-00-0000", 123456789, "123-45-6789"),
    ("00000\\-0000", 941051630, "94105-1630"),
    ("#0#######", 12345.6789, "012346"),
    ("##,##", 12345.4321, "12,345"),
    ("0", 4294967296.5, "4294967297"),
    ('"Rs."#,##0.00', -51968287, "-Rs.51,968,287.00"),
    ("$#.00", -3.14159, "-$3.14"),
    ('"This is a ".00"test"000', -3.14159, "-This is a 3.14test159"),
    ("[$INR]\\ #,##0.00", -3.14159, "-INR 3.14"),
    ("[$₹-4009]\\ #,##0.00", 3.14159, "₹ 3.14"),
    ("[$£-809]#,##0.0000;\\-[$£-809]#,##0.0000", -3.14159, "-£3.1416"),
    ('"-"0.00', -3.14159, "--3.14"),
    ("\\,##.??;\\(#,###.??\\);0", 15, ",15.  "),
    ("\\,##.??;\\(#,###.??\\);0", 14.3453453, ",14.35"),
    ("\\,##.??;\\(#,###.??\\);0", 12.1, ",12.1 "),
    ("\\,##.??;\\(#,###.??\\);0", 0, "0"),
    ("\\,##.??;\\(#,###.??\\);0", -15, "(15.  )"),
    ('"£"#.####;-"£"#.####', -3.141592654, "-£3.1416"),
    ("☃", -1, "-☃"),
    # SSF test/comma.tsv
    ("#.0000,,,", 1234567890, "1.2346"),
    ("#.0000,,", 123.456, ".0001"),
    ("#.0000,", 1234652.68499999999995, "1234.6527"),
    ("#,##0.0", 1234652.68499999999995, "1,234,652.7"),
    ("###,###", 1234652.68499999999995, "1,234,653"),
    ("#,###.00", 1234652.68499999999995, "1,234,652.69"),
    ("#,###.00", 0.99, ".99"),
    ("#,##0.0", -4321234, "-4,321,234.0"),
    ("###,##0", 123456789012, "123,456,789,012"),
    # NUMFMT numfmt.spec.ts: minus near zero, placeholder order, padding, injection
    ("-0", -1, "--1"),
    ("-general", -1, "--1"),
    ("0.0", -0.1, "-0.1"),
    ("0.0", -0.01, "0.0"),
    ("-0.0", -0.01, "-0.0"),
    (" - 0.0", -0.01, " - 0.0"),
    (" - 0.0", -1, "- - 1.0"),
    ("0.0;-0.0", -0.01, "-0.0"),
    ("\\p\\o\\s 0.0;\\n\\e\\g 0.0;", -0.01, "neg 0.0"),
    ("0.0%", 0.0295, "3.0%"),
    ("0.0,", 2950, "3.0"),
    ("0%", 0, "0%"),
    ("#.##0", -10.29, "-10.290"),
    ("#.###000", -10.29, "-10.29000"),
    ("#.#0#0#0", -10.29, "-10.2900"),
    ("#.#0#0#0", 1, "1.000"),
    ("#.##0", 0.01, ".010"),
    ("#.#00", 0.0001, ".00"),
    ("#.#0", 0.1, ".10"),
    ("#.?00", 1, "1. 00"),
    ("#.?0", 0.0001, ". 0"),
    ("#.????0", -10.29, "-10.29  0"),
    ("#.#x#0", 0.1, ".1x0"),
    ("#.??x?0", 0.01, ".01x 0"),
    ("0#", 0, "0"),
    ("0?", 0, "0 "),
    ("0?0?", 0, "0 0 "),
    (".0", 1234, "1234.0"),
    (" .0", 1234, " 1234.0"),
    ("x.0", 1234, "x1234.0"),
    (" . 0", 1234, " 1234. 0"),
    ("0??", 1, "0 1"),
    ("0####", 1, "01"),
    ("0,?", 1, "01"),
    ("0,??", 1, "0 1"),
    (".?0", 1, "1. 0"),
    (".??0", 0, ".  0"),
    (".####0", 1, "1.0"),
    ('#,,"M"', 6000000, "6M"),
    ('#,,"M";#,,"M";0', 6000000, "6M"),
    ("[>=100]#,##0;[<=-100]-#,##0;#,##0.00", -3.96, "-3.96"),
    ("[>=100]#,##0;[<=-100]-#,##0;-#,##0.00", -3.96, "--3.96"),
    ('[>=100]0;[<=-100]-0;"xx"0', -10, "-xx10"),
    ('[<=-100]-0;"xx"0', -10, "xx10"),
    ("#.##0,00", 0, ".000"),
    ("#.##0,0,0", 0, ".000"),
    ("0.000E+000", 2.33e-32, "2.330E-032"),
    ("0.000E+000", 2.33e307, "2.330E+307"),
    ("0.0", 2.33e-321, "0.0"),
    ("General", 3300.0000000000005, "3300"),
    ("General", -33000.000000000001, "-33000"),
    ("[HH]", 123.456, "2962"),
    ("[S]", 123.456, "10666598"),
    ("[MM]", 123.456, "177776"),
    ("[$-1234]", 123.456, ""),
    ("[$foo]", 123.456, "foo"),
    ("[$-foo]", 123.456, ""),
    ("[$$-409]", 123.456, "$"),
    ("[$ISK-]", 123.456, "ISK"),
    ("[$NZ$-481]", 123.456, "NZ$"),
    ("[black]", 123.456, "123.456"),
    ("[blue]", 123.456, "123.456"),
    ("[DBNum1]", 123.456, "123.456"),
    ("General", 4403928373.5, "4403928374"),
    ("General", 99999999999.6, "1E+11"),
    # NUMFMT comma.spec.ts
    ("0,", 1234567.89, "1235"),
    ("0,,", 1234567.89, "1"),
    ("0,,,", 1234567.89, "0"),
    ("0,0", 1234567.89, "1,234,568"),
    ("0,000", 1234567.89, "1,234,568"),
    ("0,0,0", 1234567.89, "1,234,568"),
    ("0,,,0", 1234567.89, "1,234,568"),
    ("0,x", 1234567.89, "1235x"),
    ("0,x,", 1234567.89, "1235x,"),
    ("0x,", 1234567.89, "1234568x,"),
    ("0,,x", 1234567.89, "1x"),
    ("0,x0", 1234567.89, "123456x8"),
    ("0 , 0", 1234567.89, "123456 , 8"),
    ("0, ,0", 1234567.89, "123456 ,8"),
    ("0.,", 1234567.89, "1235."),
    ("0.0,", 1234567.89, "1234.6"),
    ("0.0,0", 1234567.89, "1234567.89"),
    ("0,0 0/0", 1234567.89, "1,234,567 8/9"),
    ("0,0,,0", 1234567.89, "1,234,568"),
    ("0.0,0,", 1234567.89, "1234.57"),
    ("0.0 , 0 ,", 1234567.89, "1234567.8 , 9 ,"),
    ("0 ,", 1234567.89, "1234568 ,"),
    ("x,0", 1234567.89, "x,1234568"),
    # MS "Review guidelines for customizing a number format": the documented examples
    ("####.#", 1234.59, "1234.6"),
    ("#.000", 8.9, "8.900"),
    ("0.#", 0.631, "0.6"),
    ("#.0#", 12, "12.0"),
    ("#.0#", 1234.568, "1234.57"),
    ("#,###", 12000, "12,000"),
    ("#,", 12000, "12"),
    ("0.0,,", 12200000, "12.2"),
    ("0000000", 123, "0000123"),
    ('0.00 "Surplus";-0.00 "Shortage"', -12.5, "-12.50 Shortage"),
    ('#,##0,"K"', 1234567, "1,235K"),
    ('[<10]"low";[>=100]"high";"mid"', 5, "low"),
    ('[<10]"low";[>=100]"high";"mid"', 50, "mid"),
    ('[<10]"low";[>=100]"high";"mid"', 500, "high"),
    # the HR sheets' codes (SEED_RULES): MS's meaning of each placeholder, applied by hand
    ("0.0%", 0.8765, "87.7%"),
    ("0.00%", -0.05, "-5.00%"),
    ("#,##0.00_);(#,##0.00)", 1234.5, "1,234.50 "),
    ("#,##0.00_);(#,##0.00)", -1234.5, "(1,234.50)"),
    ("#,##0.00;[Red]-#,##0.00", -1234.5, "-1,234.50"),
    ("[$¥-804]#,##0.00", 8888.885, "¥8,888.89"),
    ("¥#,##0", 12345.5, "¥12,346"),
    ('0"分"', 87.5, "88分"),
    ("0.00", 2.675, "2.68"),  # 15 significant digits, then half away from zero
    ("0.00", 1.005, "1.01"),
    ("0", -0.5, "-1"),
    ("0", 0.5, "1"),
    ("0", 2.5, "3"),
    ("#", 0, ""),
    # General as Chinese Excel and WPS spell it in TEXT's format (TEXT(A1,"G/通用格式"))
    ("G/通用格式", 12, "12"),
    ("G/通用格式", 0.125, "0.125"),
    ('G/通用格式"分"', 87.5, "87.5分"),
]


@pytest.mark.parametrize(("code", "value", "expected"), NUMBERS)
def test_numbers_as_excel_shows_them(code, value, expected):
    assert text(value, code) == expected


CONDITIONS = [
    # NUMFMT conditionals.spec.ts ('conditional parts' and the minus rules for negatives)
    ('[>=100]"A"0;[<=-100]"B"0;"C"0', 6.3, "C6"),
    ('[>=100]"A"0;[<=-100]"B"0;"C"0', -6.3, "-C6"),
    ('[>=100]"A"0;[<=0]"B"0;"C"0', -6.3, "-B6"),
    ('[>=0]"A"0;[<=-100]"B"0;"C"0', 6.3, "A6"),
    ('[>=0]"A"0;[<=-100]"B"0;"C"0', -6.3, "-C6"),
    ('[>=0]"A"0;[<=-100]"B"0', 6.3, "A6"),
    ('[>=100]"A"0;[<=0]"B"0', -6.3, "-B6"),
    ('[<=-100]"B"0;"C"0', 6.3, "C6"),
    ('[<=-100]"B"0;"C"0', -6.3, "C6"),
    ('[<=0]"B"0', 6.3, "6.3"),
    ('[<=0]"B"0', -6.3, "-B6"),
    ('[=6.3]"B"0', 6.3, "B6"),
    ('[=6.3]"B"0', -6.3, "-6.3"),
    ('[<>6]"B"0', -6.3, "-B6"),
    ('[>6]"A"0;[<-6]"B"0', -6.3, "B6"),
    ('[>=100]"A"-0;[<=-100]"B"-0;"C"-0', -6.3, "-C-6"),
    ('[>=100]"A"-#,##0;[<=0]"B"-#,##0;"C"-#,##0', -6.3, "-B-6"),
    ("[<>-6]\\A0", -5, "-A5"),
    ("[<-4]\\A0", -5, "A5"),
    ("[<=-4]\\A0", -5, "A5"),
    ("[=-5]\\A0", -5, "A5"),
    ("[>-6]\\A0", -5, "-A5"),
    ("[<>-5]\\A0", -5, "5"),
    ("[<-6]\\A0", -5, "5"),
    ("[=-6]\\A0", -5, "-5"),
    ("[>2]\\A0", -5, "-5"),
    ("[>=2]\\A0", -5, "-5"),
    ("[<>-5]\\A0;\\B0", -5, "B5"),
    ("[=-6]\\A0;\\B0", -5, "-B5"),
    ("[<-4]\\A0;[>-6]\\B0;\\C0", -5, "A5"),
    ("[>-6]\\A0;[<-4]\\B0;\\C0", -5, "-A5"),
    ("[<>-5]\\A0;[<-4]\\B0;\\C0", -5, "B5"),
    ("[<>-5]\\A0;[>-6]\\B0;\\C0", -5, "-B5"),
    ("[<-6]\\A0;[<>-5]\\B0;\\C0", -5, "-C5"),
    ('"A-"0;[=-10]"B-"0;"C-"0', -10, "B-10"),
    ('"A-"0;[=-10]"B-"0;"C-"0', -1, "-C-1"),
    ('"A-"0;[=0]"B-"0;"C-"0', 0, "B-0"),
    ('"A-"0;[<0.5]"B-"0;"C-"0', -10, "-B-10"),
    ('"A-"0;[<0.5]"B-"0;"C-"0', 0, "B-0"),
    ('"A-"0;[<0]"B-"0;"C-"0', -1, "B-1"),
    ('"A-"0;[<=0]"B-"0;"C-"0', -1, "-B-1"),
    ('"A-"0;[>0]"B-"0;"C-"0', 0, "C-0"),
    ('"A-"0;[>-5]"B-"0;"C-"0', -10, "-C-10"),
    ('"A-"0;[<>0]"B-"0;"C-"0', 0, "C-0"),
    ('"A-"0;[<>-10]"B-"0;"C-"0', -10, "-C-10"),
    ('"A-"0;[>=-0.5]"B-"0;"C-"0', 0, "B-0"),
    # SSF oddities (NUMFMT-reviewed)
    ("[<=9999999]###-####;(###) ###-####", 8675309, "867-5309"),
    ("[<=9999999]###-####;(###) ###-####", 2813308004, "(281) 330-8004"),
    ("[<=9999999]###\\-####;(###) ###\\-####", 2813308004, "(281) 330-8004"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", 50, "50"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", 25, "25"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", -25, "-25"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", -26, "26"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", -50.1, "50.1"),
    ("[Red][<-25]General;[Blue][>25]General;[Green]General;[Yellow]General", "foo", "foo"),
    ("[Red][<=-25]General;[Blue][>=25]General;[Green]General;[Yellow]General", -25, "25"),
    ("[Red]General ;[Blue]General\\ ;[Green]Generalp;[Yellow]General'", 50, "50 "),
    ("[Red]General ;[Blue]General\\ ;[Green]Generalp;[Yellow]General'", 0, "0p"),
    ("[Red]General ;[Blue]General\\ ;[Green]Generalp;[Yellow]General'", -25, "25 "),
    ("[Red]General ;[Blue]General\\ ;[Green]Generalp;[Yellow]General'", "foo", "foo'"),
    ("[Red][=50]General;[Blue]000", 50, "50"),
    ("[Red][=50]General;[Blue]000", 49, "049"),
    ("[Red][<>50]General;[Blue]000", 50, "050"),
    ("[Red][<>50]General;[Blue]000", 51, "51"),
    # no section takes the number: Excel's cell shows ####, TEXT has no text to give
    ('[>=100]"A"0;[<=-100]"B"0', 6.3, VALUE_ERROR),
]


@pytest.mark.parametrize(("code", "value", "expected"), CONDITIONS)
def test_conditions_pick_the_section_and_the_sign(code, value, expected):
    assert text(value, code) == expected


FRACTIONS_AND_EXPONENTS = [
    # SSF test/fraction.json (NUMFMT ssf-fraction.spec.ts)
    ("# ?/?", 1, "1    "),
    ("# ?/?", -1.2, "-1 1/5"),
    ("# ?/?", 12.3, "12 1/3"),
    ("# ?/?", -12.34, "-12 1/3"),
    ("# ?/?", 123.45, "123 4/9"),
    ("# ?/?", -123.456, "-123 1/2"),
    ("# ?/?", 1234.567, "1234 4/7"),
    ("# ?/?", -12345.67891, "-12345 2/3"),
    ("# ??/??", 1, "1      "),
    ("# ??/??", -1.2, "-1  1/5 "),
    ("# ??/??", 12.3, "12  3/10"),
    ("# ??/??", -12.34, "-12 17/50"),
    ("# ??/??", 123.45, "123  9/20"),
    ("# ??/??", -123.456, "-123 26/57"),
    ("# ??/??", 1234.567, "1234 55/97"),
    ("# ??/??", -1234.5678, "-1234 46/81"),
    ("# ??/??", 12345.6789, "12345 55/81"),
    ("# ???/???", 1, "1        "),
    ("# ???/???", -1.2, "-1   1/5  "),
    ("# ???/???", 12.3, "12   3/10 "),
    ("# ???/???", -123.456, "-123  57/125"),
    ("# ???/???", -1234.5678, "-1234  67/118"),
    ("# ???/???", 12345.6789, "12345  74/109"),
    ("# ???/???", -12345.67891, "-12345 573/844"),
    ("# ?/2", 1, "1    "),
    ("# ?/2", -1.2, "-1    "),
    ("# ?/2", 12.3, "12 1/2"),
    ("# ?/4", -1.2, "-1 1/4"),
    ("# ?/4", 123.45, "123 2/4"),
    ("# ?/4", 12345.6789, "12345 3/4"),
    ("# ?/8", -1.2, "-1 2/8"),
    ("# ?/8", -12.34, "-12 3/8"),
    ("# ?/8", 1234.567, "1234 5/8"),
    ("# ??/16", 1, "1      "),
    ("# ??/16", -1.2, "-1  3/16"),
    ("# ??/16", 12345.6789, "12345 11/16"),
    ("# ?/10", 1, "1     "),
    ("# ?/10", 1234.567, "1234 6/10"),
    ("# ??/100", 1, "1       "),
    ("# ??/100", -1.2, "-1 20/100"),
    ("# ??/100", -123.456, "-123 46/100"),
    ("??/??", 1, " 1/1 "),
    ("??/??", -1.2, "- 6/5 "),
    ("??/??", 12.3, "123/10"),
    ("??/??", -12.34, "-617/50"),
    ("??/??", 123.45, "2469/20"),
    ("??/??", -123.456, "-7037/57"),
    ("??/??", 1234.567, "119753/97"),
    ("??/??", -1234.5678, "-100000/81"),
    ("??/??", 12345.6789, "1000000/81"),
    ("??/??", 0.00001, " 0/1 "),
    ("# ?/?", 0.3, " 2/7"),
    ("# ?/?", 1.3, "1 1/3"),
    ("# ?/?", 2.3, "2 2/7"),
    ("# ?/?", -0.01, "-0    "),
    ("# ??/??", 12.3456789, "12 28/81"),
    ("#??/??", 12.3456789, "1000/81"),
    ("#0#00??/??", 12.3456789, "01000/81"),
    ("0/0", 0, "0/1"),
    ("0/0", 1, "1/1"),
    ("0/0", 123, "123/1"),
    ("0/0", 12.345, "37/3"),
    ("0 0/0", 0, "0 0/1"),
    ("0 0/0", 1, "1 0/1"),
    ("0 0/0", 12.345, "12 1/3"),
    ("?/?", 0, "0/1"),
    ("? ?/?", 0, "0    "),
    ("? ?/?", 123, "123    "),
    ("? ?/?", 12.345, "12 1/3"),
    ("#/#", 0, "0/1"),
    ("# #/#", 0, "0"),
    ("# #/#", 1, "1"),
    ("# #/#", 12.345, "12 1/3"),
    # NUMFMT fragmented-numbers.spec.ts
    ("00 00/00", 1, "01 00/01"),
    ("00x00/00", 12345.67, "12345x65/97"),
    ("0z0 00/00", 12345.67, "1234z5 65/97"),
    ("00 0z0/00", 12345.67, "1234 5z65/97"),
    ("00 0/0", 12345.67, "12345 2/3"),
    ("0.00E+0x0", 123456789, "1.23E+0x8"),
    ("0.00E+?x?", 123456789, "1.23E+ x8"),
    ("0.00E+#x#", 123456789, "1.23E+x8"),
    ("0.0x0E+0", 123456789, "1.2x3E+8"),
    ("0x0.00E+0", 123456789, "0x1.23E+8"),
    ("0x0.0x0E+0x0", 1, "0x1.0x0E+0x0"),
    ("#x#.#x#E+#x#", 1, "x1.xE+x0"),
    ("?x?.?x?E+?x?", 1, " x1. x E+ x0"),
    ("000E+00", 12345.67, "012E+03"),
    ("00x0E+00", 12345.67, "01x2E+03"),
    ("000E+0x0", 12345.67, "012E+0x3"),
    ("0.0E+0x00", 1234567890000, "1.2E+0x12"),
    # SFF frac test_files/oddities.tsv (Excel's "Up to one digit" fractions)
    ("# ?/?", 1234567890.2, "1234567890 1/5"),
    ("# ?/?", 1234567890.3, "1234567890 2/7"),
    ("# ?/?", 1234567890.7, "1234567890 5/7"),
    ("# ?/?", 1234567890.9, "1234567891    "),
    ("# ??/??", 1234567890.7, "1234567890  7/10"),
    ("# ?/?", 1234567890000.3, "1234567890000 1/3"),
    # SSF test/exp.tsv and oddities; NUMFMT expformat.spec.ts
    ("#0.0E+0", 1.23457e-13, "12.3E-14"),
    ("##0.0E+0", 1.23457e-13, "123.5E-15"),
    ("###0.0E+0", 1.23457e-13, "1234.6E-16"),
    ("####0.0E+0", 1.23457e-13, "123.5E-15"),
    ("#0.0E+0", 0.000123457, "1.2E-4"),
    ("##0.0E+0", 0.000123457, "123.5E-6"),
    ("###0.0E+0", 1.23456789, "1.2E+0"),
    ("##0.0E+0", 123456.789, "123.5E+3"),
    ("####0.0E+0", 123456.789, "1.2E+5"),
    ("#0.0E+0", 12345678900000000000000, "1.2E+22"),
    ("##0.0E+0", 1, "1.0E+0"),
    ("##0.0E+0", 12, "12.0E+0"),
    ("##0.0E+0", 1234, "1.2E+3"),
    ("##0.0E+0", 12345678, "12.3E+6"),
    ("0E+00", 95000000, "1E+08"),
    ("0E+00", 199999999, "2E+08"),
    ("0.0E+00", 95000000, "9.5E+07"),
    ("0.0E+00", 999000000, "1.0E+09"),
    ("0.00E+00", 999000000, "9.99E+08"),
    ("0.000E+00", 999990000, "1.000E+09"),
    ("0.E+00", 9.49999, "9.E+00"),
    ("0.E+00", 9.59999, "1.E+01"),
    ("00.E+00", 9, "09.E+00"),
    ("00.E+00", 9.59999, "10.E+00"),
    ("00.E+00", 100, "01.E+02"),
    ("00.E+00", 9599.99, "96.E+02"),
    ("00.0E+00", 959.999, "09.6E+02"),
    ("000.E+00", 1000, "001.E+03"),
    ("000.E+00", 9599.99, "010.E+03"),
    ("000.00E+00", 96999.9, "097.00E+03"),
    ("0E+00", 0.95, "1E+00"),
    ("0E+00", 0.14999999, "1E-01"),
    ("0E+00", 0.000001, "1E-06"),
    ("0E+0", 1, "1E+0"),
    ("0E-0", 1, "1E0"),
    ("0 E+ 0", 1, "1 E +0"),
    ("0.00E+00", 0, "0.00E+00"),
    ("0.00E+00", -12345, "-1.23E+04"),
]


@pytest.mark.parametrize(("code", "value", "expected"), FRACTIONS_AND_EXPONENTS)
def test_fractions_and_exponents(code, value, expected):
    assert text(value, code) == expected


# --------------------------------------------------------------------------- dates

DATES = [
    # MS: the date and time codes, counted by hand (45678 is 2025-01-21, a Tuesday)
    ("yyyy-mm-dd", 45678, "2025-01-21"),
    ("yyyy/m/d", 45678, "2025/1/21"),
    ("yy", 45678, "25"),
    ("m mm mmm mmmm mmmmm", 45678, "1 01 Jan January J"),
    ("d dd ddd dddd", 45678, "21 21 Tue Tuesday"),
    ("dddd, mmmm d, yyyy", 45678.5, "Tuesday, January 21, 2025"),
    ("h:mm", 45678.75, "18:00"),
    ("h:mm AM/PM", 45678.75, "6:00 PM"),
    ("h:mm am/pm", 45678.75, "6:00 PM"),  # SHEETJS-ISSUE: am/pm is shown upper-case
    ("hh:mm AM/PM", 45678.25, "06:00 AM"),
    ("h AM/PM", 0.5, "12 PM"),
    ("h AM/PM", 0, "12 AM"),
    ("h:mm:ss A/P", 0.75, "6:00:00 P"),
    ("h:mm:ss a/p", 0.25, "6:00:00 a"),  # SHEETJS-ISSUE: a/p keeps its case
    ("h a/P", 0.75, "6 P"),
    ("h:mm:ss", 0.5 + 1 / 86400, "12:00:01"),
    ("mm:ss", 1.5 / 1440, "01:30"),
    ("m:ss", 1.5 / 1440, "1:30"),
    ("yyyy-mm-dd hh:mm", 45678.999999, "2025-01-22 00:00"),  # rounded to the second shown
    ("hh:mm:ss", 0.99999999, "00:00:00"),
    ("h:mm:ss.0", 0.5 + 3.75 / 86400, "12:00:03.8"),  # fractions of a second: half up
    ("[h]:mm", 1.5, "36:00"),
    ("[h]:mm:ss", 2.9999999999999996, "72:00:00"),
    ("[mm]:ss", 0.5, "720:00"),
    ("[ss]", 1 / 24, "3600"),
    ("[ss].00", 0.5 / 86400, "00.50"),
    ("[h]", -0.1, "-2"),  # NUMFMT datebounds.spec.ts: a lone elapsed count may be negative
    ("[m]", -2, "-2880"),
    ("[h]:mm", -0.5, VALUE_ERROR),
    ("h:mm", -0.5, VALUE_ERROR),
    ("h:mm;h:mm", -0.5, "12:00"),  # a negative number takes the second section, unsigned
    ('yyyy"年"m"月"d"日"', 45678, "2025年1月21日"),
    ("yyyy年m月d日", 45678, "2025年1月21日"),
    ("aaa", 45678, "二"),
    ("aaaa", 45678, "星期二"),
    ("[$-804]yyyy年m月d日 aaaa", 45678, "2025年1月21日 星期二"),
    ("m月d日", 45678.3, "1月21日"),
    ("e", 45678, "2025"),
    ("bbbb", 45678, "2568"),
    ("General", 45678.5, "45678.5"),
    ('"Day "General', 5, "Day 5"),
    # NUMFMT datebounds.spec.ts (leap1900 on) and numfmt.spec.ts: Excel's own calendar
    ("yyyy-mm-dd", 0, "1900-01-00"),
    ("yyyy-mm-dd", 1, "1900-01-01"),
    ("yyyy-mm-dd", 59, "1900-02-28"),
    ("yyyy-mm-dd", 60, "1900-02-29"),
    ("yyyy-mm-dd", 61, "1900-03-01"),
    ("dddd", 0, "Saturday"),
    ("dddd", 1, "Sunday"),
    ("dddd", 61, "Thursday"),
    ("yyyy-mm-dd", 2958465.99999421, "9999-12-31"),
    ("yyyy-mm-dd", 2958465.99999422, VALUE_ERROR),
    ("yyyy-mm-dd/hh:mm:ss.0", 2958465.99999942, "9999-12-31/23:59:59.9"),
    ("yyyy-mm-dd/hh:mm:ss.0", 2958465.99999943, VALUE_ERROR),
    ("yyyy-mm-dd", -0.000001, VALUE_ERROR),
    ("mmmm", 1234, "May"),
    ("MmMm", 1234, "May"),
    ("dDdD", 1234, "Monday"),
    ("MMM D, YYYY", 44074.5, "Aug 31, 2020"),
    # NUMFMT ssf-oddities.spec.ts
    ("hh:mm AM/PM", 0.7, "04:48 PM"),
    ("hhh:mm AM/PM", 0.7, "04:48 PM"),
    ("hhh:mmm:sss", 0.7, "16:Jan:00"),
    ("hh:mm:sss", 0.7, "16:48:00"),
    ("hh:mm:ss.000", 0.7, "16:48:00.000"),
    ("hh:mm:ss.000", 0.70707, "16:58:10.848"),
    ("hh.000", 0.70707, "16.848"),
    ("hh .00", 0.70707, "16 .85"),
    ("hh  .0", 0.70707, "16  .8"),
    ("hh .00 .000", 0.70707, "16 .84 .848"),
    ("[hhh]", 1, "024"),
    ("[hhh]", -1, "-024"),
    ("[hhh]", 0, "000"),
    ("A/P", 0.7, "P"),
    ("e", 0.7, "1900"),
    ("hh:mm:ss AM/PM", 0.5, "12:00:00 PM"),
    ("hh:mm:ss am/pm", 0.5, "12:00:00 PM"),
    ("hh:mm:ss AM/P", 0.5, "12:00:00 A1/P"),
    ("hh:mm:ss am/p", 0.5, "12:00:00 a1/p"),
    ("[$-409]mmm\\-yy", 12345, "Oct-33"),
    ("b", 1, "43"),
    ("b", 1000, "45"),
    ("b", 10000, "70"),
    # NUMFMT error.spec.ts: single letters that are date codes
    ("D", 1, "1"),
    ("d/", 1, "1/"),
    ("G", 1, ""),
    ("H", 1, "0"),
    ("M", 1, "1"),
    ("S", 1, "0"),
    ("Y", 1, "00"),
    ("B ", 1, "43 "),
    ("B;", 1, "43"),
    ("e+", 1, "1900+"),
    ("e-m", 1, "1900-1"),
]


@pytest.mark.parametrize(("code", "value", "expected"), DATES)
def test_dates_and_times(code, value, expected):
    assert text(value, code) == expected


DATES_1904 = [
    # MS: in the 1904 date system serial 0 is 1904-01-01 (a Friday), serial 1 1904-01-02;
    # 1904 is a real leap year, and there is no 1900-02-29; 9999-12-31 is serial 2957003
    ("yyyy-mm-dd", 0, "1904-01-01"),
    ("dddd", 0, "Friday"),
    ("yyyy-mm-dd", 1, "1904-01-02"),
    ("yyyy-mm-dd", 59, "1904-02-29"),
    ("yyyy-mm-dd", 60, "1904-03-01"),
    ("yyyy-mm-dd dddd", 45678 - 1462, "2025-01-21 Tuesday"),
    ("aaaa", 45678 - 1462, "星期二"),
    ("yyyy-mm-dd", 2957003, "9999-12-31"),
    ("yyyy-mm-dd", 2957004, VALUE_ERROR),
    ("h:mm", 0.75, "18:00"),
    # negative times show with a minus in the 1904 system (Microsoft KB 182247)
    ("h:mm", -0.25, "-6:00"),
    ("[h]:mm", -1.5, "-36:00"),
]


@pytest.mark.parametrize(("code", "value", "expected"), DATES_1904)
def test_the_1904_date_system(code, value, expected):
    assert text(value, code, date1904=True) == expected


def test_the_same_serial_is_another_day_in_each_system():
    assert text(0, "yyyy-mm-dd ddd") == "1900-01-00 Sat"
    assert text(0, "yyyy-mm-dd ddd", date1904=True) == "1904-01-01 Fri"
    assert text(60, "yyyy-mm-dd", date1904=False) == "1900-02-29"
    assert text(-0.25, "h:mm", date1904=False) == VALUE_ERROR


# --------------------------------------------------------------------------- text, General, literals

LITERALS = [
    # NUMFMT error.spec.ts 'Single characters': shown as they are
    (" ", 1, " "),
    ("!", 1, "!"),
    ("#", 1, "1"),
    ("$", 1, "$"),
    ("%", 1, "%"),
    ("&", 1, "&"),
    ("'", 1, "'"),
    ("(", 1, "("),
    (")", 1, ")"),
    ("+", 1, "+"),
    (",", 1, ","),
    ("-", 1, "-"),
    (".", 1, "."),
    (":", 1, ":"),
    (";", 1, ""),
    ("<", 1, "<"),
    ("=", 1, "="),
    (">", 1, ">"),
    ("?", 1, "1"),
    ("@", 1, "1"),
    ("A", 1, "A"),
    ("C", 1, "C"),
    ("a", 1, "a"),
    ("x", 1, "x"),
    ("]", 1, "]"),
    ("^", 1, "^"),
    ("`", 1, "`"),
    ("{", 1, "{"),
    ("|", 1, "|"),
    ("}", 1, "}"),
    ("~", 1, "~"),
    ("5", 1, "5"),
    ("Ä", 1, "Ä"),
    ("°", 1, "°"),
    ("¥", 1, "¥"),
    ("€", 1, "€"),
    # NUMFMT text.spec.ts: @ repeated and among literals; a number in a text format is General
    ('@ "foo"', 1, "1"),
    ('@ "foo"', "text", "text foo"),
    ('"bar" @ "foo"', -1, "-1"),
    ('"bar" @ "foo"', "text", "bar text foo"),
    ("@", 1234.5, "1234.5"),
    ("@", 1 / 3, "0.333333333"),
    ("@", True, "TRUE"),
    ('"<"@">";"neg"', "abc", "<abc>"),
    ("0;-0;0;@@@", "ab", "ababab"),
    ("0", "text", "text"),
    # MS: _ adds the width of the next character (a space), * repeats it (nothing in TEXT)
    ("0_)", 5, "5 "),
    ("0_%", 5, "5 "),
    ("**0", 5, "5"),
    ("0*-", 5, "5"),
    ('"x"*-0', 5, "x5"),
    ("\\0", 5, "0"),
    ('"0"', 5, "0"),
    ("[$€-407] 0", 5, "€ 5"),
    ("[$-F800]", 5, ""),
    ("[Color10]0", 5, "5"),
    ("[COLOR 56]0", 5, "5"),
    ("General;General;General;General", "x", "x"),
    ('General" pcs"', 12.5, "12.5 pcs"),
    ('"Total "general', -12.5, "-Total 12.5"),
    ("general;general", -12.5, "12.5"),
    ("", 5, ""),
    ("", 0, ""),
]


@pytest.mark.parametrize(("code", "value", "expected"), LITERALS)
def test_literals_text_and_general(code, value, expected):
    assert text(value, code) == expected


INVALID = [
    # NUMFMT error.spec.ts, conditionals.spec.ts, text.spec.ts, ssf-oddities.spec.ts
    "a;b;c;d;",
    "#;#;#;#;#",
    '"foo";"bar";"baz";"qux";"foobar"',
    "[<-2]a;[<-1]b;[>2]c;d;",
    '[>=100]"A"0;[<=-100]"B"0;"C"0;"D"0',
    '[<-25]0;[>25]0;0;"foo".#',
    "y 0",
    "yyyy 0",
    "m 0",
    "mmmm 0",
    "d 0",
    "s 0",
    "h 0",
    "AM/PM 0",
    "[h] 0",
    "[s] 0",
    "y #",
    "dddd #",
    "[m] #",
    "y ?",
    "h ?",
    "d .#",
    "mm%",
    "mm@",
    '"',
    "*",
    "_",
    "\\",
    "[",
    "0/",
    "/0",
    "/",
    "B",
    "E",
    "0E",
    "E0",
    "0E0",
    "E+",
    "0E+",
    "E+0",
    "E-",
    "0e",
    "e0",
    "0e+0",
    "0e-0",
    "0 e 0",
    "0 E 0",
    "0 E + 0",
    "0 E +0",
    "N",
    "n",
    "@;@",
    "[Blue]G3neral",
    "[FOO]",
    "[orange]",
    "[NatNum1]",
    "[DBNum5]",
    "0,0/0",
    "0/0,0",
    "0.0 0/0",
    "0.0E+0 0/0",
    "General 0",
    "General@",
    "0@",
    "0;0;0;0",
    "[=1][=2]0",
]


@pytest.mark.parametrize("code", INVALID)
def test_formats_excel_rejects(code):
    with pytest.raises(Invalid):
        format_value(1, code)


def test_a_text_value_with_an_invalid_format_is_invalid_too():
    # CORPUS pycel TextDates!C9 above; and a boolean with a broken format alike
    with pytest.raises(Invalid):
        format_value("X", ';-  ##.0;"ZERO"@;"X"')
    with pytest.raises(Invalid):
        format_value(True, "0e+0")


def test_numbers_that_are_no_numbers():
    with pytest.raises(Invalid):
        format_value(float("nan"), "0")
    with pytest.raises(Invalid):
        format_value(float("inf"), "0")


def test_general_of_a_cell_of_standard_width():
    # MS: General shows up to 11 characters, switching to scientific notation past them
    assert general(123456789012) == "1.23457E+11"
    assert general(1 / 3) == "0.333333333"
    assert general(-1e-8) == "-0.00000001"
    assert general(1e-16) == "1E-16"
    assert general(0) == "0"


# --------------------------------------------------------------------------- properties

PLAIN = {"0": 0, "0.0": 1, "0.00": 2, "#,##0": 0, "#,##0.000": 3, "0.0000": 4, "0%": 0, "0.00%": 2}


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(PLAIN)),
)
def test_plain_codes_read_back_as_the_number_rounded(x, code):
    # VALUE(TEXT(x, code)) is x to the decimals the code shows: never further than half a
    # unit of the last digit (plus the 15-digit snap Excel applies first)
    places = PLAIN[code]
    shown = format_value(x, code)
    percent = shown.endswith("%")
    back = float(shown.rstrip("%").replace(",", "")) / (100 if percent else 1)
    unit = 10.0**-places / (100 if percent else 1)
    assert abs(back - x) <= unit / 2 + abs(x) * 1e-14 + 1e-300
    decimals = shown.rstrip("%").partition(".")[2]
    assert len(decimals) == places
    if back != 0:
        assert shown.startswith("-") == (x < 0)


_ALPHABET = list('0#?.,%;@ "\\_*[]<>=-+/:$()EeymdhsbgaAPMGNn12345BxZ') + [
    "[h]", "[mm]", "[Red]", "[<10]", "[>=1.5]", "[$€-407]", "General", "AM/PM", "A/P", "aaaa",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(_ALPHABET), max_size=14).map("".join),
    st.one_of(
        st.floats(min_value=-3e6, max_value=3e6, allow_nan=False),
        st.sampled_from([0.0, -0.0, 1e-300, -1e300, 2958465.5, 0.5]),
        st.text(max_size=5),
        st.booleans(),
    ),
    st.booleans(),
)
def test_any_format_gives_text_or_invalid_and_nothing_else(code, value, date1904):
    try:
        out = format_value(value, code, date1904=date1904)
    except Invalid:
        return
    assert isinstance(out, str)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=2958465, allow_nan=False))
def test_a_date_and_its_time_agree_with_the_serial_number(x):
    # the rounded seconds counted from the epoch give back the date, the time and [s]
    stamp = format_value(x, "yyyy-mm-dd hh:mm:ss")
    seconds = int(format_value(x, "[s]"))
    day, rest = divmod(seconds, 86400)
    assert stamp.endswith(f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}")
    if day > 60:
        assert stamp[:10] == (dt.date(1899, 12, 30) + dt.timedelta(days=day)).isoformat()
    assert math.isclose(seconds, x * 86400, abs_tol=0.5 + x * 86400 * 1e-14)
