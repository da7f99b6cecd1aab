"""Sample calls for every registry function, and a probe that loads the Excel add-ins in a
separate process the way xlwings does (tests/test_addin.py runs it), in the language of
``KPI_LANG``.

``python addin_probe.py classic ADDIN_PY``
    Stands in pywin32 (Windows only, :mod:`pywin32_standin`) so that xlwings' own classic
    UDF code (``xlwings.udfs``, ``xlwings.com_server``) runs here; prints (JSON) each
    function's ``__xlfunc__`` registration, the VBA module that *Import Functions* would
    write, and what VBA receives from ``XLPy.CallUDF`` (the path of every call Excel
    makes: ``XLPython.CallUDF`` → ``call_udf`` → xlwings' argument and return
    conversion) for the sample calls of every function and for :data:`CLASSIC_CALLS`,
    with arguments as pywin32 hands them over (COM Range objects whose Value holds
    blanks as None, error cells as their SCODE, dates as pywintypes.TimeType).

``python addin_probe.py lite MAIN_PY``
    Needs ``XLWINGS_ON_SERVER=true`` (and ``XLWINGS_LICENSE_KEY``, see the test): loads
    ``MAIN_PY`` as xlwings Lite does, and prints the Office.js registration metadata
    (``custom_functions_meta``) and the results of ``custom_functions_call`` for the
    sample calls of every function and for the calls named in :data:`LITE_CALLS`, with
    arguments as Office.js sends them (a blank single cell ``[[null]]``, error cells as
    Office.js error objects, dates as serial numbers).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.util
import io
import json
import sys
import types
from pathlib import Path
from typing import Any

#: Sample-cell tokens, so that each host can write them its own way.
BLANK = {"$": "blank"}
ERROR = {"$": "error"}
#: An omitted argument.
OMIT = {"$": "omit"}

#: The value a sample cell of each kind holds.
SAMPLE = {"number": 0.5, "label": "A", "bool": True, "date": 45292.0, "any": 1.0}
LIST_SAMPLE = {"number": [0.0, 0.5, 0.8], "label": ["A", "B", "C"], "bool": [True, False, True]}


def _value(p) -> Any:
    if p.kind == "choice":
        return p.choices[0] if p.choices else "X"
    return SAMPLE[p.kind]


def sample_args(fn) -> list:
    """One call of ``fn`` as nested cell lists: three employees (a value, a blank, an
    error) in the per-employee arguments, three-entry lists, required settings only."""
    args = []
    for p in fn.params:
        v = _value(p)
        if p.optional:
            args.append(OMIT)
        elif p.shape == "scalar":
            args.append([[v]])
        elif p.shape == "each":
            args.append([[v], [BLANK], [ERROR]])
        elif p.shape == "record":
            args.append([[v, v, v], [BLANK, BLANK, BLANK], [ERROR, v, v]])
        else:
            values = LIST_SAMPLE.get(p.kind, [v, v, v])
            args.append([[x] for x in values])
    return args


def encode(arg: Any, blank: Any, error: Any) -> Any:
    """``arg`` with the sample tokens replaced (recursively)."""
    if arg == BLANK:
        return blank
    if arg == ERROR:
        return error
    if isinstance(arg, list):
        return [encode(a, blank, error) for a in arg]
    return arg


def serial(day: dt.date) -> float:
    """Excel's serial number of a date (what Office.js sends for a date cell)."""
    return float((day - dt.date(1899, 12, 30)).days)


#: Extra Lite calls: (label, function, args in Office.js form). A blank single cell is
#: [[None]] (JSON null), as Office.js sends it; an omitted argument is None.
_NA_CELL = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
_DIV0_CELL = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
_JAN31, _APR30, _MAY1 = serial(dt.date(2024, 1, 31)), serial(dt.date(2024, 4, 30)), serial(dt.date(2024, 5, 1))
LITE_CALLS = [
    ("rate", "KPI_RATE", [[[104.0], [1.0], [""], [_NA_CELL], [None]], [[200.0]], None, None]),
    ("rate_blank_numerator", "KPI_RATE", [[[None]], [[200.0]], None, None]),
    ("rate_blank_denominator", "KPI_RATE", [[[104.0]], [[None]], None, None]),
    ("rate_blank_setting", "KPI_RATE", [[[1.0]], [[0.0]], [[None]], [[None]]]),
    ("rate_div0", "KPI_RATE", [[[1.0]], [[0.0]], None, None]),
    ("rate_of_div0", "KPI_RATE", [[[_DIV0_CELL]], [[2.0]], None, None]),
    ("rate_bad_setting", "KPI_RATE", [[[1.0]], [[2.0]], None, [["maybe"]]]),
    ("tenure_dates", "KPI_TENURE_OK", [[[_JAN31], [_JAN31], [None]], [[_APR30], [_MAY1], [_MAY1]], [[3.0]], None]),
    ("tenure_reversed", "KPI_TENURE_OK", [[[_MAY1]], [[_JAN31]], [[3.0]], None]),
    ("why_div0", "KPI_WHY", [[["KPI_RATE"]], [[1.0], [2.0]], [[0.0]]] + [None] * 10),
    ("why_gap", "KPI_WHY", [[["band"]], [[0.42]], [[0.0], [0.45]], [[0.4], [None]], [[0.0], [10.0]]] + [None] * 8),
    # a policy cell holding a label of any language, or the code (0.42 in the gap [0.40, 0.45))
    *((f"band_{label}", "KPI_BAND", [[[0.42]], [[0.0], [0.45]], [[0.40], [0.50]], [[0.0], [10.0]], None, None,
                                     [[policy]], None]) for label, policy in (
        ("zh_tw", "相鄰較差級距"), ("zh_cn", "相邻较好档"), ("en", "the better neighbouring band"), ("code", "worse"),
        ("unknown", "较差的档"))),
]

#: Extra classic calls: (label, function, args). An argument is {"range": value as a COM
#: Range's Value}, {"date": "2024-01-31"} inside a range value, {"missing": true}, or a
#: value typed in the formula.
_NA = -2146826246
_M = {"missing": True}
CLASSIC_CALLS = [
    ("rate", "KPI_RATE", [{"range": [[104.0], [1.0], [None], [_NA], [""]]}, 200.0, _M, _M]),
    ("rate_blank_numerator", "KPI_RATE", [{"range": None}, {"range": 200.0}, _M, _M]),
    ("rate_div0", "KPI_RATE", [{"range": 1.0}, {"range": 0.0}, _M, _M]),
    ("rate_on_zero", "KPI_RATE", [{"range": 1.0}, {"range": 0.0}, 0.0, _M]),
    ("rate_bad_setting", "KPI_RATE", [{"range": 1.0}, {"range": 2.0}, _M, "maybe"]),
    (
        "tenure_dates",
        "KPI_TENURE_OK",
        [
            {"range": [[{"date": "2024-01-31"}], [{"date": "2024-01-31"}], [None]]},
            {"range": [[{"date": "2024-04-30"}], [{"date": "2024-05-01"}], [{"date": "2024-05-01"}]]},
            3.0,
            _M,
        ],
    ),
    ("why_div0", "KPI_WHY", ["KPI_RATE", {"range": [[1.0], [2.0]]}, {"range": 0.0}] + [_M] * 10),
    *((f"band_{label}", "KPI_BAND", [{"range": 0.42}, {"range": [[0.0], [0.45]]}, {"range": [[0.40], [0.50]]},
                                     {"range": [[0.0], [10.0]]}, _M, _M, {"range": policy}, _M]) for label, policy in (
        ("zh_tw", "相鄰較差級距"), ("zh_cn", "相邻较好档"), ("en", "the better neighbouring band"), ("code", "worse"),
        ("unknown", "较差的档"))),
]


def _load(path: str, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _com_value(v: Any, standin: types.ModuleType) -> Any:
    if isinstance(v, dict) and "date" in v:
        return standin.TimeType.fromisoformat(v["date"])
    return v


def _classic_arg(arg: Any, standin: types.ModuleType) -> Any:
    """One argument as pywin32 hands it to the COM server."""
    if isinstance(arg, dict) and arg.get("missing"):
        return standin.MISSING
    if isinstance(arg, dict) and "range" in arg:
        value = arg["range"]
        if isinstance(value, list):
            if len(value) == 1 and len(value[0]) == 1:
                value = _com_value(value[0][0], standin)  # one cell: its value, not an array
            else:
                value = tuple(tuple(_com_value(c, standin) for c in row) for row in value)
        return standin.FakeRange(_com_value(value, standin))
    return arg


def _sample_as_com(args: list) -> list:
    """A sample call in the classic probe's argument form: ranges, blanks, #N/A cells."""
    out = []
    for a in args:
        if a == OMIT:
            out.append({"missing": True})
        else:
            out.append({"range": encode(a, None, -2146826246)})
    return out


def probe_classic(addin_py: str) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    import pywin32_standin as standin

    standin.install()
    from xlwings import udfs

    sys.path.insert(0, str(Path(addin_py).parent))
    name = Path(addin_py).stem
    module = importlib.import_module(name)
    functions = {}
    for attr in dir(module):
        obj = getattr(module, attr)
        if hasattr(obj, "__xlfunc__"):
            xl = obj.__xlfunc__
            functions[attr] = {
                "name": xl["name"],
                "category": xl["category"],
                "doc": xl["ret"]["doc"],
                "args": [
                    {
                        "name": a["name"],
                        "doc": a["doc"],
                        "optional": "optional" in a,
                        "default": a.get("optional"),
                        "options": {k: (v.__name__ if callable(v) else v) for k, v in a["options"].items()},
                    }
                    for a in xl["args"]
                ],
                "ret": {k: str(v) for k, v in xl["ret"]["options"].items()},
            }
    vba = io.StringIO()
    udfs.generate_vba_wrapper(name, module, vba, types.SimpleNamespace(Name="Appraisal.xlsm"))

    def run(fname: str, args: list) -> dict:
        console = io.StringIO()
        try:
            with contextlib.redirect_stdout(console):
                result = standin.call_from_vba(name, fname, [_classic_arg(a, standin) for a in args])
            return {"result": standin.vba_receives(result), "console": console.getvalue()}
        except Exception as e:  # the VBA wrapper shows Err.Description: a failed call
            return {"failed": f"{type(e).__name__}: {e}", "console": console.getvalue()}

    from kpi_udfs.registry import REGISTRY
    from kpi_udfs.xlwings_addin import SETTINGS

    samples = {fn.name: run(fn.name, _sample_as_com(sample_args(fn))) for fn in REGISTRY.values()}
    extra = {label: run(fname, args) for label, fname, args in CLASSIC_CALLS}
    return {"functions": functions, "vba": vba.getvalue(), "samples": samples, "extra": extra, "settings": SETTINGS}


def probe_lite(main_py: str) -> dict:
    import xlwings
    from xlwings.server import custom_functions_call, custom_functions_meta

    module = _load(main_py, "main")
    bundle = {
        name: type(m.__spec__.loader).__name__
        for name, m in sys.modules.items()
        if name == "kpi_udfs" or name.startswith("kpi_udfs.")
    }

    async def call(name: str, args: list) -> Any:
        data = {
            "func_name": name,
            "args": args,
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
            "caller_address": None,
        }
        return await custom_functions_call(data, module)

    async def run() -> tuple[dict, dict, dict]:
        samples = {}
        for fn in module._REGISTRY.values():
            args = [None if a == OMIT else encode(a, None, _NA_CELL) for a in sample_args(fn)]
            samples[fn.name] = await call(fn.name, args)
        extra, console = {}, {}
        for label, name, args in LITE_CALLS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                extra[label] = await call(name, args)
            console[label] = out.getvalue()
        module.ERRORS_AS_TEXT = True
        extra["rate_div0_as_text"] = await call("KPI_RATE", [[[1.0]], [[0.0]], None, None])
        return samples, extra, console

    samples, extra, console = asyncio.run(run())
    meta = custom_functions_meta(module)
    # xlwings Lite runs main.py again after each edit: the engine is imported afresh
    first = sys.modules["kpi_udfs"]
    again = _load(main_py, "main_again")
    reloaded = sys.modules["kpi_udfs"] is not first and again._REGISTRY is not module._REGISTRY
    return {
        "meta": meta,
        "samples": samples,
        "extra": extra,
        "console": console,
        "bundle": bundle,
        "reloaded": reloaded,
        "language": module.LANGUAGE,
    }


def probe_lite_without(main_py: str, missing: str) -> dict:
    """Load ``MAIN_PY`` where ``missing`` (e.g. numpy) is not installed: what it says.

    xlwings (which xlwings Lite always has) is imported first; then the module is made
    absent the way Python sees an uninstalled one (``sys.modules[name] = None``: its
    import fails and ``importlib.util.find_spec`` finds nothing)."""
    import xlwings.server  # noqa: F401

    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")]:
        del sys.modules[name]
    sys.modules[missing] = None
    console = io.StringIO()
    try:
        with contextlib.redirect_stdout(console):
            _load(main_py, "main")
        error = None
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
    return {"console": console.getvalue(), "error": error}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "classic":
        result = probe_classic(path)
    elif mode == "lite-without":
        result = probe_lite_without(path, sys.argv[3])
    else:
        result = probe_lite(path)
    sys.stdout = sys.__stdout__
    print("PROBE-RESULT " + json.dumps(result, ensure_ascii=False, default=repr))
