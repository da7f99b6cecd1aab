"""Which parameters of Excel's functions take ranges or arrays.

In a formula that is not an array formula, Excel cuts a range given to a parameter that
expects one value down to the cell in the formula's row or column (implicit
intersection: ``=ABS(N88:N96)`` in row 96 is ``ABS(N96)``). Parameters that take
references or arrays get the whole range. Each function's parameters are written as
a string of kinds, one letter each, the last one repeating:

* ``v``: one value (a range is intersected);
* ``r``: a reference or value (a range stays a range; nested expressions are single
  values, as SUM's arguments);
* ``a``: an array (everything inside is computed as arrays, as SUMPRODUCT's);
* ``l``: a LAMBDA.

After a ``|`` comes a group that repeats (``r|rv``: SUMIFS' sum range, then pairs of a
criteria range and a criterion).

A function not listed takes single values (``v``). KPI_ functions take ranges as they
are, as Excel passes them to add-in functions.
"""

from __future__ import annotations

_R = "r"  # every parameter a reference or value

PARAMS: dict[str, str] = {
    # aggregates over references and values
    **dict.fromkeys(
        (
            "SUM SUMSQ PRODUCT AVERAGE AVERAGEA COUNT COUNTA MIN MINA MAX MAXA MEDIAN MODE MODE.SNGL "
            "MODE.MULT STDEV STDEV.S STDEV.P STDEVA STDEVP STDEVPA VAR VAR.S VAR.P VARA VARP VARPA GEOMEAN "
            "HARMEAN KURT SKEW SKEW.P AVEDEV DEVSQ GCD LCM AND OR XOR CONCAT MULTINOMIAL IMSUM IMPRODUCT "
            "COUNTBLANK AREAS ROW COLUMN ISREF FORMULATEXT ISFORMULA SHEET SHEETS CHOOSE TRIMRANGE"
        ).split(),
        _R,
    ),
    "SUBTOTAL": "vr",
    "AGGREGATE": "vvr",
    "COUNTIF": "rv",
    "COUNTIFS": "|rv",
    "SUMIF": "rvr",
    "SUMIFS": "r|rv",
    "AVERAGEIF": "rvr",
    "AVERAGEIFS": "r|rv",
    "MAXIFS": "r|rv",
    "MINIFS": "r|rv",
    "LARGE": "av",
    "SMALL": "av",
    "PERCENTILE": "av",
    "PERCENTILE.INC": "av",
    "PERCENTILE.EXC": "av",
    "QUARTILE": "av",
    "QUARTILE.INC": "av",
    "QUARTILE.EXC": "av",
    "PERCENTRANK": "avv",
    "PERCENTRANK.INC": "avv",
    "PERCENTRANK.EXC": "avv",
    "RANK": "vrv",
    "RANK.EQ": "vrv",
    "RANK.AVG": "vrv",
    "TRIMMEAN": "av",
    "FREQUENCY": "aa",
    "PROB": "aavv",
    # arrays
    **dict.fromkeys(
        (
            "SUMPRODUCT SUMX2MY2 SUMX2PY2 SUMXMY2 MMULT MINVERSE MDETERM TRANSPOSE CORREL COVAR "
            "COVARIANCE.P COVARIANCE.S PEARSON RSQ SLOPE INTERCEPT STEYX TREND GROWTH LINEST LOGEST T.TEST "
            "TTEST F.TEST FTEST CHISQ.TEST CHITEST HSTACK VSTACK ARRAYTOTEXT"
        ).split(),
        "a",
    ),
    "FORECAST": "vaa",
    "FORECAST.LINEAR": "vaa",
    "Z.TEST": "avv",
    "ZTEST": "avv",
    "NPV": "vr",
    "IRR": "av",
    "MIRR": "avv",
    "XNPV": "vaa",
    "XIRR": "aav",
    "FVSCHEDULE": "va",
    "SERIESSUM": "vvva",
    "NETWORKDAYS": "vvr",
    "NETWORKDAYS.INTL": "vvvr",
    "WORKDAY": "vvr",
    "WORKDAY.INTL": "vvvr",
    "TEXTJOIN": "vvr",
    # lookup and reference
    "VLOOKUP": "vrvv",
    "HLOOKUP": "vrvv",
    "LOOKUP": "vaa",  # LOOKUP(2,1/(B2:B9="x"),A2:A9) works without an array formula
    "MATCH": "vrv",
    "XLOOKUP": "vrrvvv",
    "XMATCH": "vrvv",
    "INDEX": "avvv",  # INDEX(ROW(A1:A3),2) is 2 without an array formula
    "OFFSET": "rvvvv",
    "ROWS": "a",
    "COLUMNS": "a",
    "CELL": "vr",
    # dynamic arrays
    "FILTER": "aav",
    "SORT": "avvv",
    "SORTBY": "aav",
    "UNIQUE": "avv",
    "TAKE": "avv",
    "DROP": "avv",
    "CHOOSECOLS": "av",
    "CHOOSEROWS": "av",
    "EXPAND": "avvv",
    "TOCOL": "avv",
    "TOROW": "avv",
    "WRAPCOLS": "avv",
    "WRAPROWS": "avv",
    "BYROW": "al",
    "BYCOL": "al",
    "MAP": "al",
    "REDUCE": "val",
    "SCAN": "val",
    "MAKEARRAY": "vvl",
    # database functions: database, field, criteria
    **dict.fromkeys(
        "DSUM DAVERAGE DCOUNT DCOUNTA DMAX DMIN DPRODUCT DSTDEV DSTDEVP DVAR DVARP DGET".split(), "rvr"
    ),
}


def param_kinds(name: str, count: int) -> list[str]:
    """The kind of each of ``count`` arguments of ``name`` (see the module doc)."""
    kinds = PARAMS.get(name, "v")
    fixed, bar, group = kinds.partition("|")
    if not bar:
        fixed, group = kinds[:-1], kinds[-1]
    out = list(fixed[:count])
    while len(out) < count:
        out.extend(group)
    return out[:count]


#: Functions every parameter of which is a number: text Excel reads as a number, date or
#: time ("2024-01-10", "50%") is that number for them, also from a referenced cell
#: (``INT(A27)`` with A27 holding the text "2024-01-10" is 45301).
NUMBERS_ONLY = frozenset(
    (
        "INT TRUNC MROUND MOD POWER SQRT SQRTPI EXP LN LOG LOG10 SIGN EVEN ODD FACT FACTDOUBLE "
        "SIN COS TAN ASIN ACOS ATAN ATAN2 SINH COSH TANH ASINH ACOSH ATANH COT COTH CSC CSCH "
        "SEC SECH ACOT ACOTH DEGREES RADIANS GAMMA GAMMALN GAMMALN.PRECISE"
    ).split()
)
