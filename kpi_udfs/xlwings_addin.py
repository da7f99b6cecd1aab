"""The KPI_ functions as xlwings UDFs for Excel on Windows (classic xlwings).

``kpi addin install`` names the module ``kpi_addin`` in the xlwings configuration ("UDF
MODULES"): the file ``addin/kpi_addin.py`` (or, without a checkout, the same text written
beside the configuration: :data:`SHIM`) re-exports the functions built here. xlwings'
*Import Functions* then imports it and writes one VBA wrapper per function. The functions are built when the module is imported, one per entry
of the registry, so there is no generated copy to drift from the engine:

* each has the registry's argument names (a name VBA reserves, such as ``step``, gets a
  trailing underscore) with ``None`` as the default of optional arguments, and the
  registry's help as its description and argument help (within Excel's 255 characters),
  in the add-in's language (:func:`settings`);
* every argument arrives as a 2-D numpy object array (``ndim=2``), error cells as their
  text (``err_to_str``) so that they propagate;
* results are a value or a list of rows, which Excel 365 spills as a dynamic array;
* an engine error is a real Excel error cell: a pywin32 ``VARIANT`` of type VT_ERROR
  holding the error's SCODE, which pywin32 converts before anything else when it turns
  the result into a COM VARIANT (``PyCom_VariantFromPyObject``), also inside the array
  of a spilled result, and which xlwings' return conversion passes through untouched.
  The reason is printed to the xlwings console (and ``KPI_WHY`` returns it). With the
  setting ``KPI_ERRORS`` = ``text`` the error is written as ``"#N/A: reason"`` text
  instead, which KPI_ functions downstream read as that error.

Settings (the environment variable wins over the line ``kpi addin install`` writes into
xlwings.conf): ``KPI_LANG`` (en, zh-CN, zh-TW) and ``KPI_ERRORS`` (excel, text).
"""

from __future__ import annotations

import inspect
import keyword
import os
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import xlwings as xw

from kpi_udfs import i18n
from kpi_udfs.errors import KpiError
from kpi_udfs.excel_udf import ERROR_SCODES, argument_help, as_cells, call, description, error_text, reasons
from kpi_udfs.registry import KpiFunction, catalogue

#: The setting that chooses how an error cell is written: a real Excel error, or text.
ERRORS_KEY = "KPI_ERRORS"
ERROR_MODES = ("excel", "text")

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


def settings() -> dict[str, str]:
    """The add-in's language and error mode: the environment variables ``KPI_LANG`` and
    ``KPI_ERRORS``, else the lines ``kpi addin install`` wrote into xlwings.conf, else
    English and real errors."""
    try:
        from xlwings.utils import read_user_config

        config = read_user_config()
    except Exception:  # an unreadable configuration: the defaults, not a failed import
        config = {}
    lang = i18n.normalize(os.environ.get(i18n.ENV) or config.get(i18n.ENV.lower())) or i18n.DEFAULT
    errors = (os.environ.get(ERRORS_KEY) or config.get(ERRORS_KEY.lower()) or "excel").strip().lower()
    return {"lang": lang, "errors": errors if errors in ERROR_MODES else "excel"}


def error_variant(err: KpiError) -> Any:
    """A real Excel error cell: what VBA's CVErr returns, as a pywin32 VARIANT."""
    import pythoncom
    from win32com.client import VARIANT

    scode = ERROR_SCODES.get(err.code)
    return error_text(err) if scode is None else VARIANT(pythoncom.VT_ERROR, scode)


def error_writer(mode: str) -> Callable[[KpiError], Any]:
    return error_text if mode == "text" else error_variant


def make_udf(fn: KpiFunction, write_error: Callable[[KpiError], Any] = error_text) -> Any:
    """The xlwings UDF of one registry function."""

    def udf(*args):  # no annotations: xlwings would read them as converters
        result = call(fn, args)
        for line in reasons(fn.name, result):
            print(line)  # the xlwings console ("Show Console"), or its log
        return as_cells(result, write_error)

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


SETTINGS = settings()
i18n.set_language(SETTINGS["lang"])
UDFS: dict[str, Any] = {fn.name: make_udf(fn, error_writer(SETTINGS["errors"])) for fn in catalogue()}
globals().update(UDFS)
__all__ = list(UDFS)

#: The whole text of ``kpi_addin.py``, the module xlwings imports.
SHIM = '''"""The module xlwings imports ("UDF MODULES" = kpi_addin): every KPI_ function as a UDF.

The functions are built from the kpi-udfs registry in kpi_udfs.xlwings_addin; this file
only makes them importable under the name the xlwings configuration gives.
"""

from kpi_udfs.xlwings_addin import *  # noqa: F403
'''
