"""Excel number formats, for TEXT(value, format) — the whole grammar, as Excel (en-US) renders it.

HR sheets write ``TEXT(rate,"0.0%")``, ``TEXT(date,"yyyy年m月d日")``, ``TEXT(x,"#,##0")`` or
``TEXT(pay,"#,##0.00_);(#,##0.00)")``; `formulas` gets many of these wrong. :func:`format_value`
renders any code Excel's TEXT accepts and raises :class:`Invalid` (``#VALUE!``) for the ones it
rejects. The rules below are Excel's; where they are not obvious they were read off values Excel
itself computed (the conformance corpus, SheetJS SSF's and numfmt's Excel-derived test tables,
see ``tests/test_number_format.py``):

* Up to four ``;`` sections: positive; negative; zero; text. A section holding ``@`` is the text
  section wherever it stands when there are fewer than four. With one numeric section a negative
  number gets a ``-`` in front — unless what is shown rounds to zero (``TEXT(-0.4,"0")`` is
  ``0``). Conditions (``[<10]``, ``[>=100]``, ``[=0]``, ``[<>5]``, at most two) pick the section;
  the minus is then left out where the condition already says the number is negative
  (``[<0]``, ``[<=-1]``, ``[=-5]``), and a number no section takes is ``#VALUE!``.
* Literals: ``"quoted"``, ``\\x``, ``_x`` (a space as wide as x: one space), ``*x`` (the fill:
  nothing in TEXT), ``[$€-407]`` (the currency symbol), colours and ``[$-804]`` locales ignored,
  and any character that is no token (``$ - + ( ) : ! ^ & ' ~ { } < > = /`` and space among them).
  ``N`` and a bare ``E`` are no literals: such codes are invalid.
* Numbers: ``0`` (digit or zero), ``#`` (digit or nothing), ``?`` (digit or space) laid right to
  left; the leftmost integer placeholder takes the digits the others have no room for; literals
  stay where they are between the digits (``"00-00-00-00"``, ``"0cc###,00"``). A comma right
  after a placeholder and right before another one turns on thousands grouping; a comma run after
  the last placeholder of the integer or decimal part divides by 1000 per comma (``0,``,
  ``#,##0,,"M"``); a comma after a placeholder with more placeholders further on is dropped; any
  other comma is shown. The first ``.`` is the decimal point, later ones are literals. Each ``%``
  multiplies by 100. Values are taken to 15 significant digits, then rounded half away from zero
  to the digits shown.
* Fractions ``# ?/?``, ``# ??/??``, ``?/8``, ``# #/100``: the numerator is the run of
  placeholders before ``/``; placeholders before it (and the literals between) are the whole
  part. Free denominators take the last continued-fraction convergent whose denominator fits
  (SheetJS ``frac.cont``; ``0.3`` is ``2/7`` in ``# ?/?`` but ``12.3`` is ``12 1/3``, as Excel
  shows); ``?`` pads with spaces so fractions align.
* Scientific ``0.00E+00``, ``##0.0E+0`` (the exponent a multiple of the integer placeholders),
  ``E-`` (no ``+`` on positive exponents).
* Dates and times: ``y yy yyyy e``, ``m mm mmm mmmm mmmmm``, ``d dd ddd dddd``, ``h hh``,
  ``m mm`` as minutes right after an hour or before a second, ``s ss``, ``.0 .00 .000``,
  ``AM/PM`` (shown upper-case however it is written) and ``A/P`` (case as written), elapsed
  ``[h] [hh] [m] [mm] [s] [ss]``, Buddhist ``b bbbb``, and the Chinese weekdays ``aaa`` (三)
  and ``aaaa`` (星期三). The time is rounded to the unit shown and carries into the date.
  Serial numbers count from 1899-12-31 with Excel's fictitious 1900-02-29, or, with
  ``date1904=True``, from 1904-01-01. A date out of range (before day 0, after 9999-12-31) is
  ``#VALUE!`` — except a lone elapsed count (``[h]``), which may be negative or huge, and, in the
  1904 system, negative times, shown with a minus as Excel shows them there. ``B2`` (dates in
  the Hijri calendar) is the one code not rendered: it gives #VALUE! rather than a wrong date.
* ``General`` (any case, or ``G/通用格式`` as Chinese versions of Excel and WPS spell it) in
  any section, with literals around it; a number given a text-only
  format (``@``) is shown as General.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_DAYS_ZH = "日一二三四五六"  # aaa / aaaa: 三 / 星期三, Sunday first like _DAYS
_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}
_LAST_DAY = {False: 2958465, True: 2957003}  # 9999-12-31 in the 1900 and 1904 systems
_CTX = Context(prec=1000, Emax=10**6, Emin=-(10**6))  # room for 1E+308 to 30 decimals


class Unsupported(Exception):
    """Kept for callers that still catch it; :func:`format_value` no longer raises it."""


class Invalid(ValueError):
    """A value or format Excel's TEXT rejects with #VALUE!."""


# ---------------------------------------------------------------------------- tokens

# token kinds
LIT, DIGIT, POINT, COMMA, PERCENT, EXP, SLASH, TEXT, GENERAL, DATE, AMPM, ELAPSED, SUBSEC, COND, SEP, MOD = (
    range(16)
)

_CONDITION = re.compile(r"^(<=|>=|<>|<|>|=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$")


def _tokenize(code: str) -> list[tuple]:
    """The tokens of a whole format code, sections separated by SEP tokens."""
    out: list[tuple] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        low = ch.lower()
        if ch == '"':
            j = code.find('"', i + 1)
            if j < 0:
                raise Invalid("unterminated quoted text")
            out.append((LIT, code[i + 1 : j]))
            i = j + 1
        elif ch in "\\_*":
            if i + 1 >= n:
                raise Invalid(f"{ch} at the end of the format")
            if ch == "\\":
                out.append((LIT, code[i + 1]))
            elif ch == "_":
                out.append((LIT, " "))
            i += 2  # "*x" is the fill, which TEXT does not render
        elif ch == "[":
            j = code.find("]", i + 1)
            if j < 0:
                raise Invalid("unterminated [")
            out.extend(_bracket(code[i + 1 : j]))
            i = j + 1
        elif ch == ";":
            out.append((SEP, ";"))
            i += 1
        elif code[i : i + 7].lower() == "general":
            out.append((GENERAL, "General"))
            i += 7
        elif code[i : i + 6].upper() == "G/通用格式":  # General as Chinese Excel (and WPS) spell it
            out.append((GENERAL, "General"))
            i += 6
        elif code[i : i + 5].lower() == "am/pm":
            out.append((AMPM, "AM/PM"))
            i += 5
        elif code[i : i + 3].lower() == "a/p":
            out.append((AMPM, code[i : i + 3]))
            i += 3
        elif ch == "E":
            if code[i + 1 : i + 2] not in ("+", "-"):
                raise Invalid("E without a sign")
            out.append((EXP, code[i + 1]))
            i += 2
        elif ch == "B" and i + 1 == n:
            raise Invalid("B at the end of the format")  # Excel expects B1 or B2
        elif low == "b" and code[i + 1 : i + 2] in ("1", "2"):
            if code[i + 1] == "2":  # the Hijri calendar: not rendered here
                raise Invalid("B2 (Hijri calendar)")
            i += 2  # B1: the Gregorian calendar, the default
        elif low in "ymdhsegba":
            j = i
            while j < n and code[j].lower() == low:
                j += 1
            run = low * (j - i)
            if low == "a" and len(run) < 3:
                out.append((LIT, code[i:j]))
            else:
                out.append((DATE, run))
            i = j
        elif low == "n":
            raise Invalid("N is not allowed in a format")
        else:
            kind = {"0": DIGIT, "#": DIGIT, "?": DIGIT, ".": POINT, ",": COMMA, "%": PERCENT,
                    "/": SLASH, "@": TEXT}.get(ch, LIT)  # fmt: skip
            out.append((kind, ch))
            i += 1
    return out


def _bracket(inner: str) -> list[tuple]:
    low = inner.lower()
    if inner.startswith("$"):  # [$¥-804]: a currency symbol, [$-409]: a locale
        symbol = inner[1:].split("-")[0]
        return [(LIT, symbol)] if symbol else []
    if low and (set(low) <= {"h"} or set(low) <= {"m"} or set(low) <= {"s"}):
        return [(ELAPSED, low)]
    m = _CONDITION.match(inner.strip())
    if m:
        return [(COND, (m.group(1), float(m.group(2))))]
    if low in _COLOURS or re.fullmatch(r"color\s*0*([1-9]|[1-4]\d|5[0-6])", low):
        return [(MOD, low)]
    if re.fullmatch(r"dbnum[1-4]", low):  # East-Asian numerals: no change in en-US
        return [(MOD, low)]
    raise Invalid(f"[{inner}]")


# ---------------------------------------------------------------------------- sections


@dataclass
class _Section:
    kind: str  # "number", "fraction", "scientific", "date", "general", "text", "literal"
    items: list[tuple]  # what to render, in order (token kinds as above, commas resolved)
    cond: tuple | None = None
    minus: bool = True  # a negative number taking this section gets a "-" (see _Format)
    percent: int = 0
    scale: int = 0  # thousands divisions by trailing commas
    group: bool = False
    int_slots: int = 0
    dec_slots: int = 0
    exp_slots: int = 0
    num_slots: int = 0
    den_slots: str = ""  # the denominator placeholders, or "" for a fixed denominator
    fixed_den: int = 0
    subsec: int = 0  # decimals of the fractional seconds shown
    elapsed_only: bool = False
    info: dict = field(default_factory=dict)


def _section(tokens: list[tuple]) -> _Section:
    conds = [t for t in tokens if t[0] == COND]
    if len(conds) > 1:
        raise Invalid("two conditions in one section")
    toks = [t for t in tokens if t[0] not in (COND, MOD)]
    if not toks and any(t[0] == MOD for t in tokens):
        toks = [(GENERAL, "General")]  # "[Red]" alone shows the number as General
    kinds = {t[0] for t in toks}
    has_digits = DIGIT in kinds
    has_date = bool(kinds & {DATE, AMPM, ELAPSED})
    if GENERAL in kinds:
        if has_digits or has_date or TEXT in kinds or EXP in kinds or SLASH in kinds:
            raise Invalid("General mixed with other placeholders")
        sec = _Section("general", [_as_literal(t) if t[0] != GENERAL else t for t in toks])
    elif TEXT in kinds:
        if has_digits or has_date or EXP in kinds:
            raise Invalid("@ mixed with number or date placeholders")
        sec = _Section("text", [t if t[0] == TEXT else _as_literal(t) for t in toks])
    elif has_date:
        sec = _date_section(toks)
    elif has_digits:
        sec = _number_section(toks)
    else:
        if SLASH in kinds or EXP in kinds:
            raise Invalid("/ or E without digit placeholders")
        sec = _Section("literal", [_as_literal(t) for t in toks])
    sec.cond = conds[0][1] if conds else None
    return sec


def _as_literal(t: tuple) -> tuple:
    if t[0] in (LIT, TEXT, GENERAL):
        return t
    if t[0] in (POINT, COMMA, PERCENT, SLASH):
        return (LIT, t[1])
    raise Invalid(f"{t[1]!r} out of place")


def _date_section(toks: list[tuple]) -> _Section:
    items: list[tuple] = []
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if kind == POINT and i + 1 < len(toks) and toks[i + 1] == (DIGIT, "0"):
            n = 0
            while n < 3 and i + 1 + n < len(toks) and toks[i + 1 + n] == (DIGIT, "0"):
                n += 1
            items.append((SUBSEC, n))
            i += 1 + n
            continue
        if kind in (DIGIT, PERCENT, EXP, TEXT):
            raise Invalid("number placeholders in a date format")
        items.append(_as_literal((kind, val)) if kind in (POINT, COMMA, SLASH) else (kind, val))
        i += 1
    # m and mm are minutes right after an hour or a second not yet paired with a minute, or
    # right before a second ("h:mm", "mm:ss"; but "hh:mm:ss AM/P" ends in a month)
    dates = [k for k, t in enumerate(items) if t[0] in (DATE, ELAPSED)]
    paired: set[int] = set()
    for n, k in enumerate(dates):
        kind, val = items[k]
        prev_k = dates[n - 1] if n else -1
        prev = items[prev_k] if n else (LIT, " ")
        if kind == DATE and val in ("m", "mm"):
            if prev[0] in (DATE, ELAPSED) and prev[1][0] in "hs" and prev_k not in paired:
                items[k] = (DATE, "n" * len(val))  # n: minutes
                paired.add(prev_k)
        elif val[0] == "s":
            if prev in ((DATE, "m"), (DATE, "mm")):
                items[prev_k] = (DATE, "n" * len(prev[1]))
                paired.add(k)
            elif (prev[0] == DATE and prev[1][0] == "n") or (prev[0] == ELAPSED and prev[1][0] == "m"):
                paired.add(k)
    sec = _Section("date", items)
    sec.subsec = max((t[1] for t in items if t[0] == SUBSEC), default=0)
    sec.elapsed_only = all(t[0] in (LIT, ELAPSED) for t in items)
    return sec


def _resolve_commas(toks: list[tuple], parts: list[int]) -> tuple[list[tuple], bool, int]:
    """Commas as grouping, scaling, dropped or literal. ``parts[k]`` numbers the number part
    (integer, decimals, exponent…) token k belongs to; a comma only scales or groups within it."""
    items: list[tuple] = []
    group, scale = False, 0
    i = 0
    while i < len(toks):
        if toks[i][0] != COMMA:
            items.append(toks[i])
            i += 1
            continue
        j = i
        while j < len(toks) and toks[j][0] == COMMA:
            j += 1
        prev = toks[i - 1] if i else None
        nxt = toks[j] if j < len(toks) else None
        if prev is not None and prev[0] in (DIGIT, POINT, SLASH):  # SLASH: after a denominator
            later = any(toks[k][0] == DIGIT and parts[k] == parts[i] for k in range(j, len(toks)))
            if nxt is not None and nxt[0] == DIGIT:
                group = group or parts[i] == 0
            elif not later:
                scale += j - i
        else:
            items.extend((LIT, ",") for _ in range(i, j))
        i = j
    return items, group, scale


def _number_section(toks: list[tuple]) -> _Section:
    kinds = [t[0] for t in toks]
    if SLASH in kinds:
        if EXP in kinds or POINT in kinds:
            raise Invalid("a fraction with a decimal point or an exponent")
        return _fraction_section(toks)
    # parts: 0 integer, 1 decimals, 2 exponent
    parts, part, point_seen = [], 0, False
    for kind, _ in toks:
        if kind == POINT and not point_seen and part == 0:
            point_seen = True
            part = 1
        elif kind == EXP:
            part = 2
        parts.append(part)
    items, group, scale = _resolve_commas(toks, parts)
    out: list[tuple] = []
    point_seen = exp_seen = False
    for t in items:
        if t[0] == POINT:
            if point_seen or exp_seen:
                out.append((LIT, "."))
                continue
            point_seen = True
        elif t[0] == EXP:
            if exp_seen:
                raise Invalid("two exponents")
            exp_seen = True
        out.append(t)
    sec = _Section("scientific" if exp_seen else "number", out, group=group, scale=scale)
    sec.percent = kinds.count(PERCENT)
    part = "int"
    for t in out:
        if t[0] == POINT:
            part = "dec"
        elif t[0] == EXP:
            part = "exp"
        elif t[0] == DIGIT:
            if part == "int":
                sec.int_slots += 1
            elif part == "dec":
                sec.dec_slots += 1
            else:
                sec.exp_slots += 1
    if exp_seen and (sec.exp_slots == 0 or sec.int_slots + sec.dec_slots == 0):
        raise Invalid("an exponent without digits on both sides")
    return sec


def _fraction_section(toks: list[tuple]) -> _Section:
    s = next(k for k, t in enumerate(toks) if t[0] == SLASH)
    if any(t[0] == SLASH for t in toks[s + 1 :]):
        raise Invalid("two fraction bars")
    a = s
    while a > 0 and toks[a - 1][0] in (DIGIT, COMMA):
        a -= 1
    while a < s and toks[a][0] == COMMA:
        a += 1
    if a == s:
        raise Invalid("a fraction without a numerator")
    if any(t[0] == COMMA for t in toks[a:s]) or toks[s + 1 : s + 2] and toks[s + 1][0] == COMMA:
        raise Invalid("a comma inside a fraction")
    # the denominator: placeholders, or digits giving a fixed denominator
    b = s + 1
    while b < len(toks) and (
        toks[b][0] in (DIGIT, COMMA) or (toks[b][0] == LIT and toks[b][1] in "0123456789")
    ):
        b += 1
    while toks[b - 1][0] == COMMA:  # commas after the denominator scale
        b -= 1
    if any(t[0] == COMMA for t in toks[s + 1 : b]):
        raise Invalid("a comma inside a fraction")
    den = "".join(t[1] for t in toks[s + 1 : b])
    if not den:
        raise Invalid("a fraction without a denominator")
    if any(t[0] == DIGIT for t in toks[b:]):
        raise Invalid("placeholders after the denominator")
    # the denominator is rendered at the bar: its tokens leave the list
    kept = toks[: s + 1] + toks[b:]
    parts = [0] * a + [1] * (s + 1 - a) + [2] * (len(toks) - b)
    items, group, scale = _resolve_commas(kept, parts)
    sec = _Section("fraction", items, group=group, scale=scale)
    sec.percent = sum(1 for t in toks if t[0] == PERCENT)
    sec.int_slots = sum(1 for t in toks[:a] if t[0] == DIGIT)
    sec.num_slots = s - a
    nums = "".join(t[1] for t in toks[a:s])
    if den[0] in "123456789":
        sec.fixed_den = int(den)
    elif any(c in "123456789" for c in den):
        raise Invalid("digits among denominator placeholders")
    else:
        sec.den_slots = den
    sec.info = {"num": nums, "den_len": len(den), "zero_shown": "0" in nums + sec.den_slots}
    return sec


# ---------------------------------------------------------------------------- whole formats


@dataclass
class _Format:
    numeric: list[_Section]
    text: _Section | None
    conditional: bool

    def pick(self, x: float) -> tuple[_Section, bool]:
        """The section for number ``x`` and whether a "-" goes in front."""
        secs = self.numeric
        if not self.conditional:
            if not secs:
                return _GENERAL_SECTION, x < 0
            if len(secs) == 1 or (len(secs) == 2 and x >= 0) or (x > 0):
                return secs[0], x < 0 and len(secs) == 1
            if x < 0:
                return secs[1], False
            return secs[2], False
        for sec in secs[:3]:
            if sec.cond is None or _holds(sec.cond, x):
                return sec, x < 0 and sec.minus
        raise Invalid("no section of the format takes this number")


def _holds(cond: tuple, x: float) -> bool:
    op, v = cond
    return {"<": x < v, ">": x > v, "=": x == v, "<=": x <= v, ">=": x >= v, "<>": x != v}[op]


def _negative_condition(cond: tuple | None) -> bool:
    """Whether a condition only lets negative numbers through: Excel then shows no minus."""
    if cond is None:
        return False
    op, v = cond
    return (v < 0 and op in ("<", "<=", "=")) or (v == 0 and op == "<")


_GENERAL_SECTION = _Section("general", [(GENERAL, "General")])


@lru_cache(maxsize=4096)
def _parse(code: str) -> _Format:
    tokens = _tokenize(code)
    raw: list[list[tuple]] = [[]]
    for t in tokens:
        if t[0] == SEP:
            raw.append([])
        else:
            raw[-1].append(t)
    if len(raw) > 4:
        raise Invalid("more than four sections")
    sections = [_section(r) for r in raw]
    if sum(1 for s in sections if s.cond is not None) > 2:
        raise Invalid("more than two conditions")
    texts = [s for s in sections if s.kind == "text"]
    if len(texts) > 1:
        raise Invalid("two text sections")
    if len(sections) == 4:
        if texts and texts[0] is not sections[3]:
            raise Invalid("@ outside the fourth section")
        if sections[3].kind not in ("text", "literal", "general") or sections[3].cond is not None:
            raise Invalid("the fourth section is for text")
        text, numeric = sections[3], sections[:3]
    else:
        text = texts[0] if texts else None
        numeric = [s for s in sections if s is not text]
    conditional = any(s.cond is not None for s in numeric)
    if conditional:
        numeric = list(numeric)
        if numeric[0].cond is None:
            numeric[0] = _with(numeric[0], cond=(">", 0.0))
        if len(numeric) == 1:
            numeric.append(_with(_GENERAL_SECTION))
        first = numeric[0].cond
        for k, sec in enumerate(numeric):
            if len(numeric) < 3 and k == 1 and sec.cond is None:
                # the "else" of a one-condition format: a minus only after [=…], [>…≥0], [>=…≥0]
                minus = first[0] == "=" or (first[1] >= 0 and first[0] in (">", ">="))
            else:
                minus = not _negative_condition(sec.cond)
            numeric[k] = _with(sec, minus=minus)
    return _Format(numeric, text, conditional)


def _with(sec: _Section, **changes) -> _Section:
    new = _Section(**{**sec.__dict__, **changes})
    new.items = list(sec.items)
    return new


# ---------------------------------------------------------------------------- rendering


def format_value(value: object, code: str, *, date1904: bool = False) -> str:
    """``value`` (a number, text or boolean) rendered with the Excel format ``code``, as
    Excel's TEXT does; :class:`Invalid` where TEXT gives #VALUE!."""
    fmt = _parse(code)
    if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy's too
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        if fmt.text is None:
            return value
        return "".join(value if t[0] in (TEXT, GENERAL) else t[1] for t in fmt.text.items)
    x = float(value)  # type: ignore[arg-type]
    if not math.isfinite(x):
        raise Invalid("not a finite number")
    x = x + 0.0  # no negative zero
    sec, minus = fmt.pick(x)
    a = abs(x)
    if sec.kind == "date":
        if minus and not (date1904 or sec.elapsed_only):
            raise Invalid("a negative date or time")
        return ("-" if minus else "") + _render_date(sec, a, date1904)
    if sec.kind == "general":
        body, zero = "".join(general(a) if t[0] == GENERAL else t[1] for t in sec.items), False
    elif sec.kind == "literal":
        body, zero = "".join(t[1] for t in sec.items), False
    elif sec.kind == "text":  # a number given a text-only format shows as General
        body, zero = general(a), False
    elif sec.kind == "fraction":
        body, zero = _render_fraction(sec, a), False
    elif sec.kind == "scientific":
        body, zero = _render_scientific(sec, a)
    else:
        body, zero = _render_number(sec, a)
    return ("-" if minus and not zero else "") + body


def _decimal(x: float) -> Decimal:
    """``x`` to the 15 significant digits Excel keeps."""
    if abs(x) < 2.2250738585072014e-308:  # subnormal: fewer digits than 15 are real
        return Decimal(repr(x)) if x else Decimal(0)
    return Decimal(f"{x:.14e}")


def _scaled(sec: _Section, a: float) -> Decimal:
    d = _decimal(a)
    if sec.percent:
        d = _CTX.multiply(d, Decimal(100) ** sec.percent)
    if sec.scale:
        d = _CTX.divide(d, Decimal(1000) ** sec.scale)
    return d


def _round(d: Decimal, places: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_CTX)


def _split(d: Decimal, places: int) -> tuple[str, str]:
    """The integer digits ("" for 0) and ``places`` decimal digits of ``d`` (rounded)."""
    text = format(_round(d, places), "f")
    whole, _, frac = text.partition(".")
    whole = whole.lstrip("0")
    return whole, frac.ljust(places, "0")[:places]


def _lay_integer(placeholders: str, digits: str, group: bool) -> list[str]:
    """What each integer placeholder shows: digits right-aligned, the first placeholder takes
    the overflow, then thousands separators after every third position from the right."""
    n, m = len(placeholders), len(digits)
    out = []
    for k, ph in enumerate(placeholders):
        first = n - 1 - k  # position of the slot's (last) digit, counted from the right
        if k == 0 and m > n:
            chunk = [(digits[j], m - 1 - j) for j in range(m - n + 1)]
        elif first < m:
            chunk = [(digits[m - 1 - first], first)]
        else:
            chunk = [({"0": "0", "?": " "}.get(ph, ""), first)]
        text = []
        for ch, pos in chunk:
            text.append(ch)
            if group and ch and pos and pos % 3 == 0:
                text.append("," if ch != " " else " ")
        out.append("".join(text))
    return out


def _lay_decimals(placeholders: str, digits: str) -> list[str]:
    """Decimal digits left to right; a ``#`` or ``?`` shows a zero only if a non-zero digit
    follows it (``#`` then shows nothing, ``?`` a space)."""
    out = []
    for k, ph in enumerate(placeholders):
        d = digits[k]
        if ph == "0" or digits[k:].strip("0"):
            out.append(d)
        else:
            out.append(" " if ph == "?" else "")
    return out


def _render_number(sec: _Section, a: float) -> tuple[str, bool]:
    whole, frac = _split(_scaled(sec, a), sec.dec_slots)
    int_ph = "".join(t[1] for t in sec.items if t[0] == DIGIT)[: sec.int_slots]
    dec_ph = "".join(t[1] for t in sec.items if t[0] == DIGIT)[sec.int_slots :]
    ints = iter(_lay_integer(int_ph, whole, sec.group)) if sec.int_slots else None
    decs = iter(_lay_decimals(dec_ph, frac))
    out = []
    in_decimals = False
    for kind, val in sec.items:
        if kind == DIGIT:
            out.append(next(decs) if in_decimals else next(ints))  # type: ignore[arg-type]
        elif kind == POINT:
            if ints is None:  # no integer placeholders: the integer goes before the point
                out.append(whole)
            out.append(".")
            in_decimals = True
        else:
            out.append(val)
    return "".join(out), not (whole or frac.strip("0"))


def _render_scientific(sec: _Section, a: float) -> tuple[str, bool]:
    d = _scaled(sec, a)
    k = sec.int_slots
    if d == 0:
        exp, mant = 0, Decimal(0)
    else:
        e = d.adjusted()
        exp = e + 1 if k == 0 else (e // k) * k
        mant = _round(d.scaleb(-exp), sec.dec_slots)
        if mant >= Decimal(10) ** max(k, 0):
            exp += max(k, 1)
            mant = d.scaleb(-exp)
    whole, frac = _split(mant, sec.dec_slots)
    digits = "".join(t[1] for t in sec.items if t[0] == DIGIT)
    int_ph = digits[:k]
    dec_ph = digits[k : k + sec.dec_slots]
    exp_ph = digits[k + sec.dec_slots :]
    ints = iter(_lay_integer(int_ph, whole, False))
    decs = iter(_lay_decimals(dec_ph, frac))
    exps = iter(_lay_integer(exp_ph, str(abs(exp)), False))
    out = []
    part = "int"
    sign = ""
    for kind, val in sec.items:
        if kind == DIGIT:
            if part == "exp":
                out.append(sign + next(exps))
                sign = ""
            else:
                out.append(next(ints) if part == "int" else next(decs))
        elif kind == POINT:
            if part == "int" and not k:
                out.append(whole)
            out.append(".")
            part = "dec"
        elif kind == EXP:
            out.append("E")
            sign = "-" if exp < 0 else ("+" if val == "+" else "")
            part = "exp"
        else:
            out.append(val)
    return "".join(out), mant == 0


def _convergent(x: float, max_den: int) -> tuple[int, int]:
    """The last continued-fraction convergent of ``x`` (0 ≤ x < 1) with a denominator up to
    ``max_den``: how Excel picks ``?/?`` fractions (SheetJS frac.cont, after Aberth)."""
    p2, p1, q2, q1 = 0, 1, 1, 0
    b, p, q = x, 0, 1
    while q1 < max_den:
        ai = math.floor(b)
        p, q = ai * p1 + p2, ai * q1 + q2
        if b - ai < 5e-10:
            break
        b = 1 / (b - ai)
        p2, p1, q2, q1 = p1, p, q1, q
    if q > max_den:
        p, q = p1, q1
    if q > max_den:
        p, q = p2, q2
    return p, q


def _render_fraction(sec: _Section, a: float) -> str:
    if sec.percent:
        a *= 100.0**sec.percent
    if sec.scale:
        a /= 1000.0**sec.scale
    mixed = sec.int_slots > 0
    max_den = 10 ** len(sec.den_slots) - 1
    if sec.fixed_den:
        den = sec.fixed_den
        total = int(_round(_decimal(a) * den, 0))
        whole, num = divmod(total, den) if mixed else (0, total)
    elif mixed:
        whole = math.floor(a)
        num, den = _convergent(a - whole, max_den)
        if num == den:
            whole, num = whole + 1, 0
    else:
        whole = math.floor(a)
        num, den = _convergent(a - whole, max_den)
        num += whole * den
        whole = 0
    shown = num != 0 or not mixed or sec.info["zero_shown"]
    if mixed and whole == 0 and not shown:
        whole_digits = "0"  # "# ?/?" shows 0 as "0", not nothing
    else:
        whole_digits = str(whole) if whole else ""
    nums = sec.info["num"]
    den_ph = sec.den_slots
    padded = any(c == "?" for c in nums + den_ph) or bool(sec.fixed_den)
    int_ph = "".join(t[1] for t in sec.items if t[0] == DIGIT)[: sec.int_slots]
    ints = iter(_lay_integer(int_ph, whole_digits, sec.group))
    if shown:
        num_text = iter(_lay_integer(nums, str(num), False))
        # the denominator: zero-padded on the left to its 0s, space-padded on the right to its ?s
        den_text = str(den).rjust(den_ph.count("0"), "0")
        den_text = den_text.ljust(den_ph.count("0") + den_ph.count("?"))
    out = []
    k_digit = 0
    seen_slash = False
    for kind, val in sec.items:
        if kind == DIGIT:
            if k_digit < sec.int_slots:
                out.append(next(ints))
            elif shown:
                out.append(next(num_text))
            else:
                out.append(" " if val == "?" else "")
            k_digit += 1
        elif kind == SLASH:
            seen_slash = True
            if shown:
                out.append("/" + den_text)
            else:
                out.append(" " * (1 + sec.info["den_len"]) if padded else "")
        elif kind == LIT and sec.int_slots <= k_digit < sec.int_slots + sec.num_slots and not seen_slash:
            # between the whole part and the numerator
            if shown:
                out.append(val)
            else:
                out.append(" " * len(val) if padded else "")
        else:
            out.append(val)
    return "".join(out)


# ---------------------------------------------------------------------------- dates


def _ymd(days: int, date1904: bool) -> tuple[int, int, int, int]:
    """(year, month, day, weekday with 0 = Sunday) of a serial day number."""
    if date1904:
        d = dt.date(1904, 1, 1) + dt.timedelta(days=days)
        return d.year, d.month, d.day, (days + 5) % 7
    weekday = (days + 6) % 7
    if days == 0:
        return 1900, 1, 0, weekday  # Excel's "1900-01-00"
    if days == 60:
        return 1900, 2, 29, weekday  # the day Excel counts that never was
    d = dt.date(1899, 12, 31 if days < 60 else 30) + dt.timedelta(days=days)
    return d.year, d.month, d.day, weekday


def _render_date(sec: _Section, a: float, date1904: bool) -> str:
    total = _round(_decimal(a) * 86400, sec.subsec)
    secs = int(total)
    frac = format(total - secs, "f")[2 : 2 + sec.subsec].ljust(sec.subsec, "0")
    days, rest = divmod(secs, 86400)
    if not sec.elapsed_only and days > _LAST_DAY[date1904]:
        raise Invalid("a date after 9999-12-31")
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    need_date = any(t[0] == DATE and t[1][0] in "ydmeba" for t in sec.items)
    year, month, day, weekday = _ymd(days, date1904) if need_date else (1900, 1, 0, 0)
    clock12 = any(t[0] == AMPM for t in sec.items)
    out = []
    for kind, val in sec.items:
        if kind == LIT:
            out.append(val)
        elif kind == SUBSEC:
            out.append("." + frac[:val])
        elif kind == AMPM:
            pm = hour >= 12
            if val == "AM/PM":
                out.append("PM" if pm else "AM")
            else:  # A/P: the letter as written
                out.append(val[2] if pm else val[0])
        elif kind == ELAPSED:
            count = {"h": secs // 3600, "m": secs // 60, "s": secs}[val[0]]
            out.append(str(count).rjust(len(val), "0"))
        else:
            out.append(_date_part(val, year, month, day, weekday, hour, minute, second, clock12))
    return "".join(out)


def _date_part(val: str, year, month, day, weekday, hour, minute, second, clock12) -> str:
    c, n = val[0], len(val)
    if c == "y":
        return f"{year % 100:02d}" if n <= 2 else str(year)
    if c == "e":
        return str(year)
    if c == "b":  # the Buddhist era
        return f"{(year + 543) % 100:02d}" if n <= 2 else str(year + 543)
    if c == "g":  # the era name: none in the Gregorian calendar
        return ""
    if c == "m":
        if n == 1:
            return str(month)
        if n == 2:
            return f"{month:02d}"
        if n == 3:
            return _MONTHS[month - 1][:3]
        if n == 5:
            return _MONTHS[month - 1][0]
        return _MONTHS[month - 1]
    if c == "n":  # m or mm read as minutes
        return f"{minute:0{n}d}"
    if c == "d":
        if n <= 2:
            return f"{day:0{n}d}"
        return _DAYS[weekday][:3] if n == 3 else _DAYS[weekday]
    if c == "a":
        return ("星期" if n > 3 else "") + _DAYS_ZH[weekday]
    if c == "h":
        h = (hour % 12 or 12) if clock12 else hour
        return f"{h:0{min(n, 2)}d}"
    if c == "s":
        return f"{second:0{min(n, 2)}d}"
    raise Invalid(val)  # pragma: no cover - every date letter is handled above


# ---------------------------------------------------------------------------- General


def general(x: float) -> str:
    """Excel's General format for a number in a cell of standard width (11 characters)."""
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e11:
        return str(int(x))
    sign, a = ("-" if x < 0 else ""), abs(x)
    mant, exp = f"{a:.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    sci = f"{mant}E{exp[0]}{int(exp[1:]):02d}"
    if a < 1e11:
        k = max(1, int(math.floor(math.log10(a))) + 1)
        dec = max(0, 10 - k)
        # the 15 significant digits Excel keeps, rounded half up to what 11 characters show;
        # decimals are shown when they lose nothing, or from 0.0001 up, where they hold at
        # least the 6 significant digits of the scientific form (9E-09 for 9.000001E-09,
        # 0.000000009 for 9E-09, 0.000111111 for 0.00011111101)
        kept = Decimal(f"{a:.15g}")
        shown = kept.quantize(Decimal(1).scaleb(-dec), rounding=ROUND_HALF_UP)
        fixed = f"{shown:f}"
        if "." in fixed:
            fixed = fixed.rstrip("0").rstrip(".")
        if shown < Decimal(10) ** 11 and fixed != "0" and (shown == kept or a >= 1e-4):
            return sign + fixed
    return sign + sci
