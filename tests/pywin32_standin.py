"""Stand-ins for pywin32 (Windows only), so that xlwings' own classic UDF code runs on Linux.

:func:`install` puts modules named like pywin32's into ``sys.modules`` (and the Windows
parts of ctypes), enough for ``xlwings._xlwindows``, ``xlwings.udfs`` and
``xlwings.com_server`` to import; then :func:`call_from_vba` calls a UDF the way the VBA
wrapper that *Import Functions* writes does: ``XLPy.CallUDF(module, name, Array(args),
ThisWorkbook, Application.Caller)`` on xlwings' COM server object (``XLPython``), with
each argument as pywin32 hands it over:

* a cell or range is a COM Range object (:class:`FakeRange`) whose ``Value`` is what Excel
  gives: a value for one cell, a tuple of row tuples for several; a blank cell is None,
  an error cell the integer of its CVErr SCODE (#N/A is -2146826246), a date a
  ``pywintypes.TimeType``;
* a value typed in the formula is passed as it is; an omitted optional argument is
  pywin32's "missing" marker (DISP_E_PARAMNOTFOUND, -2147352572).

The result is what the COM server returns to VBA, turned into what VBA receives by
:func:`vba_receives`, which follows pywin32's ``PyCom_VariantFromPyObject``
(com/win32com/src/oleargs.cpp): a ``win32com.client.VARIANT`` first (its own type: a
VT_ERROR is an error value, which a VBA UDF hands to Excel as an error cell), then
str → VT_BSTR, bool → VT_BOOL, int → VT_I4, float → VT_R8, None → VT_NULL, a sequence
→ a SAFEARRAY of VARIANTs; anything else cannot be converted (a TypeError in pywin32).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import sys
import types
from typing import Any

#: pywin32's marker for an omitted optional argument (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572
#: The SCODEs of Excel's error values, as pywin32 hands them over in a Range's Value.
ERROR_SCODES = {
    "#NULL!": -2146826288,
    "#DIV/0!": -2146826281,
    "#VALUE!": -2146826273,
    "#REF!": -2146826265,
    "#NAME?": -2146826259,
    "#NUM!": -2146826252,
    "#N/A": -2146826246,
}
VT_NULL, VT_I4, VT_R8, VT_BSTR, VT_ERROR, VT_BOOL = 1, 3, 5, 8, 10, 11
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"


class _Anything:
    """Any attribute, any call: the Windows DLLs xlwings loads and never uses here."""

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return _Anything()


class TimeType(dt.datetime):
    """pywintypes.TimeType: pywin32's datetime for a COM date."""


class VARIANT:
    """win32com.client.VARIANT: a value with an explicit COM type."""

    def __init__(self, vt: int, value: Any):
        self.varianttype = vt
        self.value = value


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def install() -> None:
    """Stand in pywin32 and register the Windows engine of xlwings."""
    ctypes.windll = ctypes.oledll = _Anything()  # type: ignore[attr-defined]
    ctypes.PyDLL = lambda *a, **k: _Anything()  # type: ignore[misc]

    class com_error(Exception):
        pass

    class TimeZoneInfo:
        @staticmethod
        def utc() -> dt.tzinfo:
            return dt.UTC

    _module("pywintypes", TimeType=TimeType, com_error=com_error, IID=lambda s: s.upper())
    for name in ("win32api", "win32con", "win32gui", "win32event"):
        _module(name)
    _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242))
    _module("win32timezone", TimeZoneInfo=TimeZoneInfo)
    _module(
        "pythoncom",
        __file__="pythoncom.dll",
        VT_ERROR=VT_ERROR,
        IID_IDispatch="IDispatch",
        TypeIIDs={"IDispatch": type("PyIDispatch", (), {})},
        CoInitialize=lambda: None,
    )

    class _Base:
        pass

    client = _module(
        "win32com.client",
        VARIANT=VARIANT,
        CDispatch=type("CDispatch", (_Base,), {}),
        CoClassBaseClass=type("CoClassBaseClass", (_Base,), {}),
        DispatchBaseClass=type("DispatchBaseClass", (_Base,), {}),
        Dispatch=lambda *a, **k: None,
        DispatchEx=lambda *a, **k: None,
    )

    def unwrap(obj: Any) -> Any:
        raise ValueError("not a wrapped Python object")  # pywin32: a plain COM value

    server = _module("win32com.server")
    server.__path__ = []
    _module("win32com.server.util", wrap=lambda obj, *a, **k: obj, unwrap=unwrap)
    _module("win32com.server.dispatcher")
    _module("win32com.server.policy", DefaultPolicy=type("DefaultPolicy", (), {}))
    win32com = _module("win32com", client=client, server=server)
    win32com.__path__ = []

    import xlwings
    import xlwings._xlwindows as windows
    from xlwings.main import Engine

    xlwings.engines.add(Engine(impl=windows.engine))
    from xlwings import udfs

    # xlwings does this on Windows: the classic decorators are the udfs ones
    xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret


class _TypeAttr:
    iid = RANGE_IID


class _OleObject:
    def GetTypeInfo(self) -> Any:  # noqa: N802 (COM's name)
        return types.SimpleNamespace(GetTypeAttr=_TypeAttr)


class FakeRange:
    """A COM Range as pywin32 hands it to the COM server: ``Value`` as Excel gives it."""

    def __init__(self, value: Any):
        self._oleobj_ = _OleObject()
        self.Value = value
        rows = value if isinstance(value, tuple) else ((value,),)
        self.Row = self.Column = 1
        self.Rows = types.SimpleNamespace(Count=len(rows))
        self.Columns = types.SimpleNamespace(Count=len(rows[0]))
        app = types.SimpleNamespace(Hwnd=1)
        self.Worksheet = types.SimpleNamespace(Parent=types.SimpleNamespace(Application=app))


def call_from_vba(module: str, name: str, args: list) -> Any:
    """What ``XLPy.CallUDF(module, name, Array(args…), ThisWorkbook, Application.Caller)``
    returns to the VBA wrapper."""
    from xlwings.com_server import XLPython

    return XLPython().CallUDF(module, name, tuple(args), None, None)


def vba_receives(result: Any) -> Any:
    """The VARIANT pywin32 makes of a COM server's result, as JSON-able data: values as
    they are, ``{"error": scode}`` for VT_ERROR, ``{"null": True}`` for VT_NULL, lists for
    SAFEARRAYs; raises TypeError where pywin32 would."""
    if isinstance(result, VARIANT):
        if result.varianttype == VT_ERROR:
            return {"error": int(result.value)}
        raise TypeError(f"unexpected VARIANT type {result.varianttype}")
    if isinstance(result, (str, bool, int, float)):
        return result
    if result is None:
        return {"null": True}
    if isinstance(result, (list, tuple)):
        return [vba_receives(v) for v in result]
    if isinstance(result, dt.datetime):
        return {"date": result.isoformat()}
    raise TypeError(f"Objects of type '{type(result).__name__}' can not be converted to a COM VARIANT")
