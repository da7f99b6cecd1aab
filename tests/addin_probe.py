"""Sample calls for every registry function, and a probe that loads the Excel add-ins in a
separate process the way xlwings does (tests/test_addin.py runs it).

``python addin_probe.py classic ADDIN_PY``
    Stands in empty modules for pywin32 (Windows only) so that xlwings' own classic UDF
    code (``xlwings.udfs``) can be imported here, loads ``ADDIN_PY`` with xlwings'
    ``func``/``arg`` decorators, and prints (JSON) each function's ``__xlfunc__``
    registration and the VBA module that *Import Functions* would write.

``python addin_probe.py lite MAIN_PY``
    Needs ``XLWINGS_ON_SERVER=true`` (and ``XLWINGS_LICENSE_KEY``, see the test): loads
    ``MAIN_PY`` as xlwings Lite does, and prints the Office.js registration metadata
    (``custom_functions_meta``) and the results of ``custom_functions_call`` for the
    sample calls of every function and for the calls named in :data:`LITE_CALLS`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import sys
import types
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


#: Extra Lite calls: (label, function, args in Office.js form).
_NA_CELL = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
_DIV0_CELL = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
LITE_CALLS = [
    ("rate", "KPI_RATE", [[[104.0], [1.0], [""], [_NA_CELL]], [[200.0]], None, None]),
    ("rate_div0", "KPI_RATE", [[[1.0]], [[0.0]], None, None]),
    ("rate_of_div0", "KPI_RATE", [[[_DIV0_CELL]], [[2.0]], None, None]),
    ("rate_bad_setting", "KPI_RATE", [[[1.0]], [[2.0]], None, [["maybe"]]]),
]


def _load(path: str, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def probe_classic(addin_py: str) -> dict:
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["pywintypes"].com_error = OSError
    sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings
    from xlwings import udfs

    xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
    module = _load(addin_py, "kpi_addin")
    functions = {}
    for name in dir(module):
        obj = getattr(module, name)
        if hasattr(obj, "__xlfunc__"):
            xl = obj.__xlfunc__
            functions[name] = {
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
    udfs.generate_vba_wrapper("kpi_addin", module, vba, types.SimpleNamespace(Name="Appraisal.xlsm"))
    return {"functions": functions, "vba": vba.getvalue()}


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

    async def run() -> tuple[dict, dict]:
        samples = {}
        for fn in module._REGISTRY.values():
            args = [None if a == OMIT else encode(a, "", _NA_CELL) for a in sample_args(fn)]
            samples[fn.name] = await call(fn.name, args)
        extra = {label: await call(name, args) for label, name, args in LITE_CALLS}
        module.ERRORS_AS_TEXT = True
        extra["rate_div0_as_text"] = await call("KPI_RATE", [[[1.0]], [[0.0]], None, None])
        return samples, extra

    samples, extra = asyncio.run(run())
    meta = custom_functions_meta(module)
    # xlwings Lite runs main.py again after each edit: the engine is imported afresh
    first = sys.modules["kpi_udfs"]
    again = _load(main_py, "main_again")
    reloaded = sys.modules["kpi_udfs"] is not first and again._REGISTRY is not module._REGISTRY
    return {"meta": meta, "samples": samples, "extra": extra, "bundle": bundle, "reloaded": reloaded}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    result = probe_classic(path) if mode == "classic" else probe_lite(path)
    sys.stdout = sys.__stdout__
    print("PROBE-RESULT " + json.dumps(result, ensure_ascii=False, default=repr))
