"""Categorical lookups: KPI_MAP (F3), and the key table KPI_PAYOUT shares.

Supervisor ratings (优/良/中/差, 优秀/良好/合格/差), grades (A–D) and levels map to
points, coefficients, pay bases or bonuses through a table on the rule sheet. Keys are
compared as :func:`~kpi_udfs.coerce.label_key` compares labels (trimmed, full-width and
Traditional folded, upper-cased), numbers numerically; a rating spelt the other common
way (良好 for 良, AMB-07) is found when exactly one table key is its synonym. An unknown
key is an error naming the known keys, never a silent 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..coerce import Cells, label_key, show, to_number
from ..errors import NA, VALUE, KpiError
from ..i18n import N_, _
from ..numeric import eq, fmt
from ..registry import Each, List, Scalar, asks_error, kpi

#: Common alternative spellings of appraisal ratings (SEED_RULES F3, AMB-07): a key not
#: in the table is looked up as its synonym when exactly one table key is one.
RATING_SYNONYMS = (("优秀", "优"), ("良好", "良"), ("中等", "中"), ("较差", "差"), ("合格", "及格"))
_SYNONYMS: dict[str, tuple[str, ...]] = {
    word: tuple(w for w in group if w != word) for group in RATING_SYNONYMS for word in group
}
#: How many known keys an error message lists.
_SHOWN_KEYS = 12


def _plain(v: object) -> str:
    """A key as the sheet shows it: 20, 0.52, 优."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return fmt(v) if isinstance(v, float) else str(v)


def _shown(v: object) -> str:
    """A key quoted for a message: '良好', 3."""
    return show(v) if isinstance(v, str) else _plain(v)


def _norm(v: object, normalize: bool) -> object:
    """The comparison key: a float for numbers (and numeric text when normalising), else text."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, str):
        if not normalize:
            return v.strip()
        x = to_number(v, "key")
        return x if isinstance(x, float) else label_key(v)
    return float(v)


@dataclass
class KeyTable:
    """The rows of a lookup table: one key and one or more value columns per row."""

    keys: list[object]  # comparison keys of the rows kept
    shown: list[str]  # the keys as the sheet shows them, for messages
    rows: np.ndarray  # 1-based row numbers in the sheet's table
    normalize: bool

    @classmethod
    def build(cls, keys: Cells, columns: dict[str, Cells], normalize: bool) -> KeyTable:
        """Check the table (equal lengths, no blank key, no key with two different values)."""
        raw = keys.values.ravel()
        flat = {name: c.values.ravel() for name, c in columns.items()}
        for name, col in flat.items():
            if col.size != raw.size:
                raise KpiError(
                    VALUE, _("keys has {entries} entries but {name} has {size}", entries=raw.size, name=name, size=col.size)
                )
        key_blank = keys.blank.ravel()
        all_blank = key_blank.copy()
        for c in columns.values():
            all_blank &= c.blank.ravel()
        for i in np.flatnonzero(key_blank & ~all_blank):
            raise KpiError(VALUE, _("keys row {row} is blank but has a value", row=i + 1))
        rows = np.flatnonzero(~key_blank)
        if rows.size == 0:
            raise KpiError(VALUE, _("keys is empty"))
        table = cls(
            [_norm(raw[i], normalize) for i in rows], [_plain(raw[i]) for i in rows], rows + 1, normalize
        )
        table._index_keys()
        table._check_duplicates(flat, {n: c.blank.ravel() for n, c in columns.items()})
        return table

    def _index_keys(self) -> None:
        """Text keys in a dict, number keys sorted: look-ups and duplicate checks without a k² scan."""
        self._text: dict[str, int] = {}
        for i, k in enumerate(self.keys):
            if isinstance(k, str):
                self._text.setdefault(k, i)
        num = [i for i, k in enumerate(self.keys) if isinstance(k, float)]
        order = np.argsort([self.keys[i] for i in num], kind="stable")
        self._num_at = np.array(num, dtype=int)[order]
        self._num = np.array([self.keys[i] for i in self._num_at], dtype=float)

    def _same_key_pairs(self) -> list[tuple[int, int]]:
        """(first row, later row) positions of keys listed more than once."""
        pairs = [
            (self._text[k], i) for i, k in enumerate(self.keys) if isinstance(k, str) and self._text[k] != i
        ]
        close = np.flatnonzero(eq(self._num[1:], self._num[:-1])) if self._num.size > 1 else []
        pairs += [tuple(sorted((int(self._num_at[j]), int(self._num_at[j + 1])))) for j in close]
        return pairs

    def _check_duplicates(self, flat: dict[str, np.ndarray], blank: dict[str, np.ndarray]) -> None:
        for b, a in self._same_key_pairs():
            ra, rb = self.rows[a] - 1, self.rows[b] - 1
            for name, col in flat.items():
                va = None if blank[name][ra] else _norm(col[ra], self.normalize)
                vb = None if blank[name][rb] else _norm(col[rb], self.normalize)
                if not (va == vb or (isinstance(va, float) and isinstance(vb, float) and eq(va, vb))):
                    raise KpiError(
                        VALUE,
                        _(
                            "key {key} is listed twice (rows {first} and {second}) with different {name}: "
                            "{first_value} and {second_value}",
                            key=self.quoted(a),
                            first=rb + 1,
                            second=ra + 1,
                            name=name,
                            first_value=_cell(col[rb], blank[name][rb]),
                            second_value=_cell(col[ra], blank[name][ra]),
                        ),
                    )

    def quoted(self, i: int) -> str:
        """Row ``i``'s key quoted for a message."""
        return show(self.shown[i]) if isinstance(self.keys[i], str) else self.shown[i]

    def _index(self, key: object) -> int:
        """Table position of one comparison key: exact, then a unique rating synonym; -1 if none."""
        if isinstance(key, float):
            hits = np.flatnonzero(eq(key, self._num))
            return int(self._num_at[hits].min()) if hits.size else -1
        if key in self._text:
            return self._text[key]
        if self.normalize:
            alts = [self._text[w] for w in _SYNONYMS.get(key, ()) if w in self._text]
            if len(alts) == 1:
                return alts[0]
        return -1

    def find(self, query: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Table position per query cell (-1: not found or not a valid row); one look-up per distinct key."""
        flat = query.ravel()
        out = np.full(flat.size, -1, dtype=int)
        live = np.flatnonzero(valid.ravel())
        if live.size == 0:
            return out.reshape(query.shape)
        tagged = flat[live].astype(str)
        _keys, first, inverse = np.unique(tagged, return_index=True, return_inverse=True)
        found = np.array([self._index(_norm(flat[live[f]], self.normalize)) for f in first], dtype=int)
        out[live] = found[inverse.ravel()]
        return out.reshape(query.shape)

    def unknown(self, key: object, what: str = "key") -> KpiError:
        """#N/A naming the key (``what``: "key" or "grade") and the keys the table knows."""
        known = list(dict.fromkeys(self.shown))
        listed = ", ".join(known[:_SHOWN_KEYS]) + (", …" if len(known) > _SHOWN_KEYS else "")
        return KpiError(NA, _(_UNKNOWN[what], key=_shown(key), known=listed))


_UNKNOWN = {
    "key": N_("key {key} is not in the table: known keys are {known}"),
    "grade": N_("grade {key} is not in the table: known grades are {known}"),
}


def _cell(v: object, blank: bool) -> str:
    return _("blank") if blank else _shown(v)


@kpi(
    "KPI_MAP",
    "Looks a rating, grade or level up in a two-column table, e.g. 优→20, 良→15; unknown keys are an error.",
    Each("key", "The rating, grade or level to look up, e.g. 良 or B (text or number).", kind="any"),
    List("keys", "The table's keys, e.g. 优, 良, 中, 差 (each listed once).", kind="any"),
    List("values", "What each key gives (same length as keys), e.g. 20, 15, 10, 0.", kind="any"),
    Scalar(
        "default",
        'Result for a key not in the table: "ERROR" (#N/A naming the known keys, default) or a value.',
        kind="any",
        default="ERROR",
    ),
    Scalar(
        "normalize_zh",
        "TRUE (default): ignore spaces, case, full-width and 優/优; accept 良好 for 良 etc. FALSE: exact text only.",
        kind="bool",
        default=True,
    ),
    returns=(
        "The value of the matching key; #N/A naming the key and the known keys when it is not in the table "
        "(unless default) or its value is blank; #VALUE! when keys and values differ in length, a key is blank "
        "or a key is listed twice with different values."
    ),
)
def map_key(key, keys, values, default, normalize_zh, valid):
    table = KeyTable.build(keys, {"values": values}, bool(normalize_zh))
    idx = table.find(key, valid)
    result = values.values.ravel()[table.rows - 1]
    missing = values.blank.ravel()[table.rows - 1]
    flat_key = key.ravel()
    out = np.empty(flat_key.size, dtype=object)
    hit = idx.ravel() >= 0
    out[hit] = result[idx.ravel()[hit]]
    for r in np.flatnonzero(hit & missing[np.maximum(idx.ravel(), 0)]):
        out[r] = KpiError(NA, _("no value given for key {key}: rule missing", key=table.quoted(idx.ravel()[r])))
    lost = ~hit & valid.ravel()
    if asks_error(default):
        for r in np.flatnonzero(lost):
            out[r] = table.unknown(flat_key[r])
    else:
        out[lost] = default
    return out.reshape(key.shape)
