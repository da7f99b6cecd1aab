"""The KPI_ functions as xlwings UDFs for Excel on Windows (classic xlwings).

``kpi addin install`` names the module ``kpi_addin`` in the xlwings configuration ("UDF
MODULES"): the file ``addin/kpi_addin.py`` (or, without a checkout, the same text written
beside the configuration: :data:`SHIM`) re-exports the functions built here. xlwings'
*Import Functions* then imports it and writes one VBA wrapper per function. The functions are built when the module is imported, one per entry
of the registry, so there is no generated copy to drift from the engine:

* each has the registry's argument names (a name VBA reserves, such as ``step``, gets a
  trailing underscore) with ``None`` as the default of optional arguments, and the
  registry's help as its description and argument help (within Excel's 255 characters);
* every argument arrives as a 2-D numpy object array (``ndim=2``), error cells as their
  text (``err_to_str``) so that they propagate;
* results are a value or a list of rows, which Excel 365 spills as a dynamic array;
* an engine error is written as the text ``"#N/A: reason"`` (classic xlwings cannot
  return a real Excel error); KPI_ functions downstream read it as that error.
"""

from __future__ import annotations

import inspect
import keyword
import re
from typing import Any

import numpy as np
import xlwings as xw

from kpi_udfs.excel_udf import argument_help, as_cells, call, description, error_text
from kpi_udfs.registry import KpiFunction, catalogue

#: Excel's function category for the KPI_ functions (Insert Function dialog).
CATEGORY = "KPI"

#: Words VBA will not take as an argument name: its keywords and statements, and the
#: names the wrapper xlwings generates uses (``caller`` is xlwings' calling-cell argument).
VBA_RESERVED = frozenset(
    w.lower()
    for w in """
    And Any Array As Boolean ByRef Byte ByVal Call Case CBool CByte CCur CDate CDbl CDec CInt
    CLng CLngLng CLngPtr Close Const CSng CStr Currency CVar CVErr Date Debug Decimal Declare
    DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng DefLngPtr DefObj
    DefSng DefStr DefVar Dim Do Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Err
    Error Event Exit False For Friend Function Get Global GoSub GoTo If Imp Implements In
    Input Integer Is Let Lib Like Line Lock Long LongLong LongPtr Loop LSet Me Mid Mod Name
    New Next Not Nothing Null Object On Open Option Optional Or ParamArray Preserve Print
    Private Property Public Put RaiseEvent ReDim Rem Resume Return RSet Seek Select Set
    Single Static Step Stop String Sub Then To True Type TypeOf Unlock Until Variant Wend
    While Width With WithEvents Write Xor
    Application ActiveWorkbook ThisWorkbook XLPy Range caller failed
    """.split()
)

_VBA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def vba_name(name: str) -> str:
    """``name`` as a VBA argument name: reserved words get a trailing underscore."""
    if not _VBA_NAME.fullmatch(name):
        name = "arg_" + re.sub(r"\W", "_", name.encode("ascii", "replace").decode()).lstrip("_")
    if name.lower() in VBA_RESERVED or keyword.iskeyword(name):
        name += "_"
    return name


def argument_names(fn: KpiFunction) -> list[str]:
    """The argument names Excel shows for ``fn`` (unique, VBA-safe)."""
    names: list[str] = []
    for p in fn.params:
        n = vba_name(p.name)
        while n.lower() in (m.lower() for m in names):  # VBA names ignore case
            n += "_"
        names.append(n)
    return names


def make_udf(fn: KpiFunction) -> Any:
    """The xlwings UDF of one registry function."""

    def udf(*args):  # no annotations: xlwings would read them as converters
        return as_cells(call(fn, args), error_text)

    names = argument_names(fn)
    udf.__name__ = udf.__qualname__ = fn.name
    udf.__module__ = __name__
    udf.__doc__ = description(fn)
    # xlwings reads the argument names and which are optional from the signature
    udf.__signature__ = inspect.Signature(
        [
            inspect.Parameter(
                n,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None if p.optional else inspect.Parameter.empty,
            )
            for n, p in zip(names, fn.params, strict=True)
        ]
    )
    for n, p in zip(names, fn.params, strict=True):
        udf = xw.arg(n, np.array, ndim=2, dtype=object, empty=None, err_to_str=True, doc=argument_help(p))(
            udf
        )
    return xw.func(category=CATEGORY)(udf)


UDFS: dict[str, Any] = {fn.name: make_udf(fn) for fn in catalogue()}
globals().update(UDFS)
__all__ = list(UDFS)

#: The whole text of ``kpi_addin.py``, the module xlwings imports.
SHIM = '''"""The module xlwings imports ("UDF MODULES" = kpi_addin): every KPI_ function as a UDF.

The functions are built from the kpi-udfs registry in kpi_udfs.xlwings_addin; this file
only makes them importable under the name the xlwings configuration gives.
"""

from kpi_udfs.xlwings_addin import *  # noqa: F403
'''
