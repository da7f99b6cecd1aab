"""Excel's text functions.

Computed here: LEN. Corrected in `formulas`' table (:data:`CORRECTIONS`): VALUE (en-US
numbers, percentages, currency, times and dates written as text, element by element
over arrays); TEXT rendered by :mod:`.number_format` (``"yyyy年m月d日"``, ``"0.0%"``,
``"#,##0_)"``…); CHAR and CODE in Windows-1252 (Mac Roman for a workbook saved by Excel
for Mac); REPT refusing results longer than a cell holds; CONCATENATE, CONCAT and
TEXTJOIN giving #VALUE! past 32,767 characters; BAHTTEXT in Thai words; DOLLAR and FIXED
rounding as ROUND does. Numbers become text with the 15
significant digits Excel keeps in every text function (:func:`install_number_text`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh
from formulas.functions import Array, FoundError, wrap_func, wrap_ufunc
from formulas.tokens.operand import Error, XlError

from ..evaluate.vec import Vec, as_text_safe, number_to_text
from .arguments import arg_count
from .bridge import CURRENT_BOOK, is_omitted
from .conversions import scalar_number, single, text_number, xvalue

_VALUE = Error.errors["#VALUE!"]

#: The most characters an Excel cell holds.
MAX_TEXT = 32767


def f_len(ctx, args) -> Vec:
    arg_count("LEN", args, 1, 1)
    a = args[0].ev(ctx)
    texts = as_text_safe(a)
    lengths = np.vectorize(len, otypes=[float])(texts) if texts.size else np.zeros(texts.shape)
    return Vec.with_errors(lengths, a.errors())


def _elementwise(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` written for single values, applied to each element when an argument is an
    array or a range of several cells (TEXT(2+SEQUENCE(1,7,0),"ddd") gives 7 texts, as in
    Excel's dynamic arrays); an element that fails holds its error."""

    def lifted(*args: Any) -> Any:
        vals = [a for a in args]
        if not any(isinstance(v, np.ndarray) and v.size > 1 for v in vals):
            return fn(*args)
        grids = [np.asarray(v, dtype=object) if isinstance(v, np.ndarray) else np.full((1, 1), v, dtype=object) for v in vals]
        try:
            grids = np.broadcast_arrays(*[g.reshape(1, -1) if g.ndim == 1 else g for g in grids])
        except ValueError:
            raise FoundError(err=_VALUE) from None
        out = np.empty(grids[0].shape, dtype=object)
        for idx in np.ndindex(out.shape):
            try:
                out[idx] = fn(*[g[idx] for g in grids])
            except FoundError as ex:
                out[idx] = ex.err
        return out.view(Array)

    return lifted

def _text_function(value: Any, format_text: Any) -> Any:
    """TEXT in `formulas`' conventions, rendered by :mod:`.number_format` in the workbook's
    date system; a format Excel rejects is #VALUE!."""
    from .number_format import Invalid, format_value, general

    v, f = single(value), single(format_text)
    if v is sh.EMPTY or is_omitted(v):
        v = 0.0
    if f is sh.EMPTY or is_omitted(f):
        f = ""
    if isinstance(f, (bool, np.bool_)):
        f = "TRUE" if f else "FALSE"
    elif not isinstance(f, str):
        f = general(float(f))
    if isinstance(v, str):
        x = text_number(v)
        if x is None:
            try:
                x = xvalue(v)  # dates and times written as text
            except FoundError:
                x = None
        v = v if x is None else x
    elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        v = float(v)
    book = CURRENT_BOOK.get()
    try:
        return format_value(v, f, date1904=bool(book is not None and book.date1904))
    except Invalid:
        raise FoundError(err=_VALUE) from None


_THAI_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_THAI_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _thai_group(n: int) -> str:
    """0 < n < 1,000,000 in Thai words: 1 in the tens is สิบ, 2 ยี่สิบ, a final 1 after
    other digits เอ็ด (21 ยี่สิบเอ็ด, 101 หนึ่งร้อยเอ็ด)."""
    digits = [int(c) for c in str(n)]
    out = []
    for i, d in enumerate(digits):
        place = len(digits) - 1 - i
        if d == 0:
            continue
        if place == 1:
            out.append({1: "", 2: "ยี่"}.get(d, _THAI_DIGITS[d]) + "สิบ")
        elif place == 0 and d == 1 and n > 1:
            out.append("เอ็ด")
        else:
            out.append(_THAI_DIGITS[d] + _THAI_PLACES[place])
    return "".join(out)


def _thai_number(n: int) -> str:
    """n > 0 in Thai words, millions as ล้าน (repeated for each six digits)."""
    high, low = divmod(n, 1_000_000)
    words = _thai_number(high) + "ล้าน" if high else ""
    return words + (_thai_group(low) if low else "")


def _bahttext(value: Any) -> str:
    """BAHTTEXT: a number as Thai baht (บาท) and satang (สตางค์) words, rounded to the
    satang; ถ้วน ("exactly") when there are no satang, ลบ before a negative amount.
    Thai number words as Microsoft's BAHTTEXT page shows them (1234 หนึ่งพันสองร้อย
    สามสิบสี่บาทถ้วน); the `formulas` test book's cached values (157, 65.8, -1, TRUE)."""
    x = scalar_number(value)
    satang_total = round(abs(x) * 100)
    baht, satang = divmod(satang_total, 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    words = (_thai_number(baht) + "บาท") if baht else ""
    words += (_thai_number(satang) + "สตางค์") if satang else "ถ้วน"
    return ("ลบ" if x < 0 else "") + words


def _dollar(number: Any, decimals: Any = None) -> str:
    """DOLLAR (en-US): the number rounded to ``decimals`` (2 by default; negative rounds
    left of the point) in the currency format $#,##0.00_);($#,##0.00), Microsoft's DOLLAR
    page (formulacompiler's ConversionFunctions_en_US book: DOLLAR(-1234.5678,-3) is
    ($1,000))."""
    from ...numeric import excel_round

    x = scalar_number(single(number))
    d = 2 if decimals is None or is_omitted(decimals) else math.trunc(scalar_number(single(decimals)))
    if d > 127:
        raise FoundError(err=_VALUE)
    r = float(excel_round(x, max(d, -308)))
    body = f"{abs(r):,.{max(d, 0)}f}"
    return f"(${body})" if r < 0 else f"${body}"


def _fixed(number: Any, decimals: Any = 2, no_commas: Any = False) -> Any:
    """FIXED: the number rounded as ROUND rounds it (Microsoft's FIXED page: "Rounds a
    number to the specified number of decimals"), then `formulas`' formatting. `formulas`
    rounded the binary value: FIXED(2.675,2) was "2.67" where ROUND gives 2.68."""
    from formulas.functions import replace_empty
    from formulas.functions.text import xfixed

    from ...numeric import excel_round

    try:
        x, d = float(replace_empty(number)), math.trunc(float(replace_empty(decimals)))
    except (TypeError, ValueError):
        return xfixed(number, decimals, no_commas)
    if d <= 127 and math.isfinite(x):
        number = float(excel_round(x, max(d, -308)))
    return xfixed(number, decimals, no_commas)


def _charset() -> str:
    book = CURRENT_BOOK.get()
    return "mac_roman" if book is not None and book.mac else "cp1252"


def _char(number: float) -> str:
    n = math.trunc(number)
    if not 1 <= n <= 255:
        raise FoundError(err=_VALUE)
    try:
        return bytes([n]).decode(_charset())
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chr(n)

def _char_code(text: Any) -> float:
    if isinstance(text, XlError):
        raise FoundError(err=text)
    s = "" if text is sh.EMPTY else ("TRUE" if text is True else "FALSE" if text is False else str(text))
    if isinstance(text, float) and text == int(text):
        s = str(int(text))
    if not s:
        raise FoundError(err=_VALUE)
    try:
        return float(s[0].encode(_charset())[0])
    except UnicodeEncodeError:
        return 63.0 if ord(s[0]) > 255 else float(ord(s[0]))

def _rept(text: Any, times: Any) -> Any:
    if isinstance(text, XlError):
        raise FoundError(err=text)
    s = "" if text is sh.EMPTY else ("TRUE" if text is True else "FALSE" if text is False else text)
    if isinstance(s, float) and s == int(s):
        s = str(int(s))
    s = str(s)
    n = math.trunc(scalar_number(times))
    if n < 0 or len(s) * n > MAX_TEXT:
        raise FoundError(err=_VALUE)
    return s * n

def _cap_text(value: Any) -> Any:
    """#VALUE! for text longer than a cell holds (element-wise for arrays)."""
    if isinstance(value, str):
        return _VALUE if len(value) > MAX_TEXT else value
    if isinstance(value, np.ndarray) and value.dtype == object and value.size:
        long = np.frompyfunc(lambda v: isinstance(v, str) and len(v) > MAX_TEXT, 1, 1)(value).astype(bool)
        if long.any():
            value = value.copy()
            value[long] = _VALUE
    return value

def _text_capped(fn: Callable) -> Callable:
    """``fn`` whose text results longer than Excel's 32,767 characters are #VALUE!."""
    if getattr(fn, "text_capped", False):
        return fn

    @functools.wraps(fn)
    def capped(*args, **kwargs):
        return _cap_text(fn(*args, **kwargs))

    capped.text_capped = True
    return capped



def install_number_text() -> None:
    """`formulas`' number-to-text conversion (LEFT, FIND, EXACT… on numbers) writing the
    15 significant digits Excel keeps, as ``&`` does (:func:`~.vec.number_to_text`)."""
    from formulas.functions import operators
    from formulas.functions import text as ftext

    if getattr(ftext._str, "excel_digits", False):
        return
    original = ftext._str

    def to_text(value: Any) -> str:
        if isinstance(value, (float, np.floating)) and not isinstance(value, bool) and math.isfinite(value):
            return number_to_text(float(value))
        return original(value)

    to_text.excel_digits = True
    ftext._str = operators._str = to_text


def _corrections() -> dict[str, Any]:
    from formulas.functions import get_functions

    table = get_functions()
    out: dict[str, Any] = {
        "VALUE": wrap_func(_elementwise(xvalue)),
        "CHAR": wrap_ufunc(_char),
        "CODE": wrap_ufunc(_char_code, input_parser=lambda *a: a),
        "REPT": wrap_ufunc(_rept, input_parser=lambda *a: a, check_error=lambda *a: None),
        "TEXT": wrap_func(_elementwise(_text_function)),
        "BAHTTEXT": wrap_func(_elementwise(lambda v: _bahttext(single(v)))),
        "DOLLAR": wrap_func(_elementwise(_dollar)),
        "FIXED": wrap_ufunc(_fixed, input_parser=lambda *a: a, args_parser=lambda *a: a),
    }
    for name in ("CONCATENATE", "CONCAT", "TEXTJOIN"):
        out[name] = _text_capped(table[name])
    return out


FUNCTIONS = {"LEN": f_len}
