"""Excel number formats, for TEXT(value, format).

HR sheets write ``TEXT(rate,"0.0%")``, ``TEXT(date,"yyyy年m月d日")``, ``TEXT(x,"#,##0")``
or ``TEXT(pay,"#,##0.00_);(#,##0.00)")``; `formulas` gets several of these wrong (the
Chinese date shows the month as the day, ``_)`` and ``General`` fail). :func:`format_value`
renders the common codes: up to four ``;`` sections, quoted and ``\\`` literals, ``_x``
spacing, colours and locale tags (ignored), ``General``, ``@``, digit placeholders
``0 # ?`` with ``.``/``,``/``%``, thousands scaling by trailing commas, scientific
``E+00``, and dates and times (``y m d h s``, ``AM/PM``, ``[h]``, fractional seconds).
Anything else raises :class:`Unsupported` and the caller falls back to `formulas`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from ...numeric import excel_round

_EPOCH = dt.datetime(1899, 12, 30)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_DAYS_ZH = "一二三四五六日"  # aaa / aaaa: 三 / 星期三


class Unsupported(Exception):
    """A format code this renderer does not handle."""


class Invalid(ValueError):
    """A value or format Excel's TEXT rejects with #VALUE!."""


def _split_sections(code: str) -> list[str]:
    sections, cur, i = [], [], 0
    while i < len(code):
        ch = code[i]
        if ch == '"':
            j = code.find('"', i + 1)
            j = len(code) if j < 0 else j
            cur.append(code[i : j + 1])
            i = j + 1
            continue
        if ch == "\\" and i + 1 < len(code):
            cur.append(code[i : i + 2])
            i += 2
            continue
        if ch == ";":
            sections.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    sections.append("".join(cur))
    return sections


_TOKEN = re.compile(
    r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|AM/PM|am/pm|A/P|a/p|General|aaaa|aaa|'
    r"[yY]+|[mM]+|[dD]+|[hH]+|[sS]+|[eE][+-]|[0#?]|[.,%@/]|.",
    re.DOTALL,
)


def _tokens(section: str) -> list[str]:
    return _TOKEN.findall(section)


def _literal(tok: str) -> str | None:
    if tok.startswith('"'):
        return tok[1:-1]
    if tok.startswith("\\"):
        return tok[1:]
    if tok.startswith("_"):
        return " "
    if tok.startswith("*"):
        return ""
    if tok.startswith("["):
        inner = tok[1:-1]
        if inner.startswith("$"):  # [$¥-804]: a currency symbol, [$-409]: a locale
            return inner[1:].split("-")[0]
        if inner.upper() in ("RED", "BLACK", "BLUE", "GREEN", "WHITE", "YELLOW", "MAGENTA", "CYAN") or inner.upper().startswith("COLOR"):
            return ""
        return None  # [h], [m], [s] elapsed, or a condition such as [>100]
    return None


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


def _is_date(tokens: list[str]) -> bool:
    for t in tokens:
        if _literal(t) is not None and not t.startswith("["):
            continue
        if t[0] in "yYdDhHsS" or t.upper() in ("AM/PM", "A/P", "AAA", "AAAA") or t[:2].upper() in ("[H", "[M", "[S"):
            return True
        if t[0] in "mM":
            return True
    return False


def _date_text(x: float, tokens: list[str]) -> str:
    if x < 0 or x >= 2958466:  # before 1900 or after 9999-12-31
        raise Invalid("not a date")
    if any(t in ("#", "?") for t in tokens):
        raise Invalid("digit placeholders in a date format")
    when = _EPOCH + dt.timedelta(days=x)
    seconds_frac = 0
    # the first 0s after s: fractional seconds
    ampm = any(t.upper() in ("AM/PM", "A/P") for t in tokens)
    has_fraction = False
    for i, t in enumerate(tokens):
        if t[0] in "sS" and i + 1 < len(tokens) and tokens[i + 1] == ".":
            has_fraction = True
    if not has_fraction:
        when = _EPOCH + dt.timedelta(seconds=round(x * 86400))
    out: list[str] = []
    kinds = []  # for m/mm: minutes when after h or before s
    for t in tokens:
        kinds.append(t[0].lower() if t[0] in "yYmMdDhHsS" else "")
    for i, t in enumerate(tokens):
        lit = _literal(t)
        if lit is not None:
            out.append(lit)
            continue
        low = t.lower()
        k = kinds[i]
        if k == "y":
            out.append(str(when.year) if len(t) > 2 else f"{when.year % 100:02d}")
        elif k == "m":
            prev = next((kinds[j] for j in range(i - 1, -1, -1) if kinds[j]), "")
            nxt = next((kinds[j] for j in range(i + 1, len(tokens)) if kinds[j]), "")
            if len(t) <= 2 and (prev == "h" or nxt == "s"):
                out.append(f"{when.minute:0{len(t)}d}")
            elif len(t) == 1:
                out.append(str(when.month))
            elif len(t) == 2:
                out.append(f"{when.month:02d}")
            elif len(t) == 3:
                out.append(_MONTHS[when.month - 1][:3])
            elif len(t) == 5:
                out.append(_MONTHS[when.month - 1][0])
            else:
                out.append(_MONTHS[when.month - 1])
        elif k == "d":
            if len(t) == 1:
                out.append(str(when.day))
            elif len(t) == 2:
                out.append(f"{when.day:02d}")
            elif len(t) == 3:
                out.append(_DAYS[when.weekday()][:3])
            else:
                out.append(_DAYS[when.weekday()])
        elif k == "h":
            h = when.hour
            if ampm:
                h = h % 12 or 12
            out.append(f"{h:0{min(len(t), 2)}d}")
        elif k == "s":
            out.append(f"{when.second:0{min(len(t), 2)}d}")
        elif low in ("aaa", "aaaa"):
            out.append(("星期" if low == "aaaa" else "") + _DAYS_ZH[when.weekday()])
        elif low in ("am/pm", "a/p"):
            pm = when.hour >= 12
            text = ("PM" if pm else "AM") if low == "am/pm" else ("P" if pm else "A")
            out.append(text if t[0].isupper() else text.lower())
        elif t.startswith("[") and t[1:2].lower() == "h":
            out.append(str(int(x * 24)))
        elif t.startswith("[") and t[1:2].lower() == "m":
            out.append(str(int(round(x * 1440, 9))))
        elif t.startswith("[") and t[1:2].lower() == "s":
            out.append(str(int(round(x * 86400, 6))))
        elif t == "." and has_fraction:
            n = 0
            j = i + 1
            while j < len(tokens) and tokens[j] == "0":
                n += 1
                j += 1
            frac = (x * 86400) % 1
            seconds_frac = f"{frac:.{n}f}"[1:] if n else ""
            out.append(seconds_frac)
        elif t == "0" and has_fraction:
            continue
        elif t in "/,.-: ":
            out.append(t)
        else:
            out.append(t)
    return "".join(out)


def _number_text(x: float, tokens: list[str]) -> str:
    if any(t == "/" for t in tokens):
        raise Unsupported("fractions")
    if any(t[:1] in ("e", "E") and len(t) == 2 for t in tokens):
        return _scientific(x, tokens)
    percent = sum(1 for t in tokens if t == "%")
    x = x * (100**percent)
    # integer part / decimal part placeholders, thousands separators and scaling
    try:
        dot = tokens.index(".")
    except ValueError:
        dot = len(tokens)
    int_tokens, dec_tokens = tokens[:dot], tokens[dot + 1 :]
    last_ph = max((i for i, t in enumerate(int_tokens) if t in ("0", "#", "?")), default=-1)
    trailing_commas = 0
    if not dec_tokens or not any(t in ("0", "#", "?") for t in dec_tokens):
        j = (last_ph + 1) if dot == len(tokens) else dot
        k = j
        while k < len(tokens) and tokens[k] == ",":
            trailing_commas += 1
            k += 1
    else:
        k = last_ph + 1
        while k < len(int_tokens) and int_tokens[k] == ",":
            trailing_commas += 1
            k += 1
    x = x / (1000**trailing_commas)
    grouping = any(t == "," for t in int_tokens[: last_ph + 1]) and last_ph >= 0
    decimals = [t for t in dec_tokens if t in ("0", "#", "?")]
    n_dec = len(decimals)
    rounded = float(excel_round(abs(x), n_dec))
    whole = int(math.floor(rounded))
    frac_digits = f"{rounded - whole:.{n_dec}f}"[2:] if n_dec else ""
    if n_dec and len(frac_digits) > n_dec:
        frac_digits = frac_digits[:n_dec]
    int_ph = [t for t in int_tokens if t in ("0", "#", "?")]
    digits = str(whole) if whole else ""
    min_zero = sum(1 for t in int_ph if t == "0")
    digits = digits.rjust(min_zero, "0")
    if grouping and digits:
        digits = f"{int(digits):,}".rjust(len(digits), "0") if digits.strip("0") else digits
    # decimals: trailing # are dropped when zero
    dec_out = list(frac_digits)
    for i in range(n_dec - 1, -1, -1):
        if decimals[i] == "0":
            break
        if dec_out[i] == "0":
            dec_out[i] = "" if decimals[i] == "#" else " "
        else:
            break
    dec_text = "".join(dec_out)
    # lay the digits into the integer part of the pattern
    out: list[str] = []
    if grouping:  # "#,##0": one run of placeholders takes the grouped digits
        placed = False
        for t in int_tokens:
            lit = _literal(t)
            if lit is not None:
                out.append(lit)
            elif t in ("0", "#", "?"):
                if not placed:
                    out.append(digits if digits else ("" if t == "#" else "0" if t == "0" else " "))
                    placed = True
            elif t == ",":
                continue
            elif t == "@":
                raise Unsupported("@ in a number section")
            else:
                out.append(t)
    else:  # digits right to left over the placeholders ("00-00-00-00")
        raw = str(whole) if whole else ""
        slots = [i for i, t in enumerate(int_tokens) if t in ("0", "#", "?")]
        fill: dict[int, str] = {}
        pos = len(raw)
        for n, i in enumerate(reversed(slots)):
            first = n == len(slots) - 1
            if pos > 0:
                fill[i] = raw[:pos] if first else raw[pos - 1]
                pos = 0 if first else pos - 1
            else:
                t = int_tokens[i]
                fill[i] = "0" if t == "0" else ("" if t == "#" else " ")
        for i, t in enumerate(int_tokens):
            lit = _literal(t)
            if i in fill:
                out.append(fill[i])
            elif lit is not None:
                out.append(lit)
            elif t == ",":
                continue
            elif t == "@":
                raise Unsupported("@ in a number section")
            else:
                out.append(t)
    if dot < len(tokens):
        out.append(".")
        placed_dec = False
        for t in dec_tokens:
            lit = _literal(t)
            if lit is not None:
                out.append(lit)
            elif t in ("0", "#", "?"):
                if not placed_dec:
                    out.append(dec_text)
                    placed_dec = True
            elif t == ",":
                continue
            else:
                out.append(t)
    return "".join(out)


def _scientific(x: float, tokens: list[str]) -> str:
    i = next(i for i, t in enumerate(tokens) if t[:1] in ("e", "E") and len(t) == 2)
    mant_tokens, exp_tokens = tokens[:i], tokens[i + 1 :]
    n_dec = 0
    if "." in mant_tokens:
        n_dec = sum(1 for t in mant_tokens[mant_tokens.index(".") + 1 :] if t in ("0", "#", "?"))
    exp_digits = sum(1 for t in exp_tokens if t in ("0", "#", "?"))
    if x == 0:
        exponent, mant = 0, 0.0
    else:
        exponent = int(math.floor(math.log10(abs(x))))
        mant = abs(x) / 10**exponent
        if float(excel_round(mant, n_dec)) >= 10:
            exponent += 1
            mant /= 10
    sign = "-" if exponent < 0 else ("+" if tokens[i][1] == "+" else "")
    mant_text = f"{float(excel_round(mant, n_dec)):.{n_dec}f}"
    return f"{mant_text}{tokens[i][0]}{sign}{abs(exponent):0{max(exp_digits, 1)}d}"


def format_value(value: object, code: str) -> str:
    """``value`` (a number, text or boolean) rendered with the Excel format ``code``."""
    sections = _split_sections(code)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        text_section = sections[3] if len(sections) > 3 else (sections[0] if "@" in sections[0] else None)
        if text_section is None:
            return value
        return "".join(value if t == "@" else (_literal(t) if _literal(t) is not None else t) for t in _tokens(text_section))
    x = float(value)
    if any(s.lstrip().startswith("[") and s.lstrip()[1:2] in "<>=" for s in sections):
        raise Unsupported("conditional sections")
    if x < 0 and len(sections) > 1:
        section, x = sections[1], -x
        negative_sign = False
    elif x == 0 and len(sections) > 2:
        section, negative_sign = sections[2], False
    else:
        section, negative_sign = sections[0], x < 0
    tokens = _tokens(section)
    if len(sections) == 1 and "@" in tokens:
        # a text format given a number: Excel shows the number as General does
        # (TEXT(1234.5, "@") is "1234.5")
        body = general(x)
        return "".join(body if t == "@" else (_literal(t) if _literal(t) is not None else t) for t in tokens)
    if any(t.lower() == "general" for t in tokens):
        body = general(abs(x) if not negative_sign else x)
        return "".join(body if t.lower() == "general" else (_literal(t) or "") for t in tokens)
    if _is_date(tokens):
        return _date_text(x, tokens)
    if not any(t in ("0", "#", "?") for t in tokens):
        return "".join(_literal(t) if _literal(t) is not None else ("" if t == "@" else t) for t in tokens)
    text = _number_text(abs(x), tokens)
    if negative_sign and any(ch.isdigit() and ch != "0" for ch in text):
        text = "-" + text
    return text
