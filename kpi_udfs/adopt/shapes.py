"""Recognising hand-written band logic in a formula's syntax tree.

HR writes the same few shapes by hand (SEED_RULES §7, issue 14):

* a nested IF or an IFS comparing one value with thresholds, each branch a constant
  (``IF(J3>=0.55,100,IF(J3>=0.5,80,IF(J3>=0.45,60,50)))``, also written with AND(…) for
  two-sided bands, and as a tree when the THEN branch nests);
* the same over text (``IF(I3="优",20,IF(I3="良",15,…))``): a categorical map;
* an approximate lookup over a threshold column: ``VLOOKUP(x,T,2,TRUE)``, ``HLOOKUP``,
  ``LOOKUP(x,keys,results)``, ``INDEX(results,MATCH(x,keys,1))`` and
  ``CHOOSE(MATCH(x,keys,1),r1,r2,…)``;
* weights: ``SUMPRODUCT(M3:Q3,{0.35,0.25,0.15,0.15,0.1})`` or ``M3*35%+N3*25%+…``.

:func:`recognise` walks a formula's tree from the top and returns every such part with
its pieces still as syntax (thresholds and results may be cells to read); the tables are
reconstructed from them in :mod:`.band_tables`. A shape is only band logic when it is one
value against at least two thresholds (a single ``IF(x>=0.8,1,0)`` is a pass/fail test),
its thresholds are constants or cells outside the row (a per-row target such as
``IF(B3>=C3,…)`` is not a threshold), and every result is a constant or a cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..recalc.graph.parse import ArrayConst, Binary, Bool, Call, Err, Missing, Name, Num, Ref, Str, Unary
from .formula_render import children, nodes

COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "<>": "<>"}

#: Results of a branch that Excel gives when it is written empty: IF(c,1) → FALSE.
FALSE_RESULT = Bool(False)


# -- conditions --------------------------------------------------------------------------

@dataclass(frozen=True)
class Cmp:
    """``subject op threshold`` (the threshold a constant or a cell)."""

    op: str
    threshold: object


@dataclass(frozen=True)
class AllOf:
    parts: tuple


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class Always:
    value: bool


# -- shapes ------------------------------------------------------------------------------

@dataclass
class Leaf:
    """One outcome of an IF tree: the conditions on the way to it and its result."""

    path: list[tuple[object, bool]]  # (condition, taken) from the top
    result: object  # syntax node: a constant or a cell
    #: Reached through ELSE branches only (the chain's last ELSE).
    is_else: bool = False
    #: The condition as written for this branch (the last one taken), e.g. "J3>=0.55".
    written: str = ""


@dataclass
class IfBands:
    """Nested IF / IFS over one value: numeric thresholds (kind "if") or text keys
    (kind "map")."""

    node: object  # the part of the formula it covers (the IF, or the blank guard around it)
    subject: object
    leaves: list[Leaf]
    kind: str = "if"  # "if" or "map"
    function: str = "IF"
    #: A blank guard around it: IF(J3="","",…) and what it gives for a blank value.
    guard_result: object | None = None

    @property
    def conditions(self) -> int:
        return sum(1 for leaf in self.leaves if not leaf.is_else)


@dataclass
class Lookup:
    """Approximate lookup of one value in a threshold column."""

    node: object
    subject: object
    function: str  # VLOOKUP, HLOOKUP, LOOKUP, INDEX/MATCH, CHOOSE/MATCH
    keys: object  # a range, a name or an array constant
    results: object | None  # a range/name/array, or None for CHOOSE (see choices)
    match_type: int = 1  # 1: largest key ≤ value (ascending); -1: smallest key ≥ value (descending)
    choices: tuple = ()
    #: VLOOKUP/HLOOKUP: which column/row of the table holds the results (1-based).
    index: int = 0
    table: object | None = None


@dataclass
class Weights:
    """A weighted total: scores times constant weights, summed."""

    node: object
    #: SUMPRODUCT form: the scores range and the weights (range, name or array).
    scores: object | None = None
    weights: object | None = None
    #: Sum-of-products form: (score node, weight node) per term.
    terms: list[tuple[object, object]] = field(default_factory=list)
    #: A constant the sum is multiplied by (``/100`` → 0.01).
    factor: float = 1.0
    function: str = "SUMPRODUCT"


Shape = IfBands | Lookup | Weights


# -- helpers -------------------------------------------------------------------------------

def _number(node) -> float | None:
    """A constant number as written: 0.55, 55%, -3, +2."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Unary):
        inner = _number(node.arg)
        if inner is None:
            return None
        return {"%": inner / 100, "-": -inner, "+": inner}[node.op]
    return None


def is_constant(node) -> bool:
    return _number(node) is not None or isinstance(node, (Str, Bool, Err))


def moves_down(node) -> bool:
    """Does the node read a cell whose row moves when the formula is copied down?"""
    return any(isinstance(n, Ref) and not (n.row1_abs and n.row2_abs) for n in nodes(node))


def _one_value(node) -> bool:
    """A value per row: no range in it (``LOOKUP(C56:Q56,…)`` looks a whole row up at once)."""
    if isinstance(node, Ref):
        return node.is_cell
    if isinstance(node, (ArrayConst, Call)):
        return isinstance(node, Call)  # a function gives one value (SUM(A3:C3)); a {…} constant does not
    return all(_one_value(c) for c in children(node))


def _has_reference(node) -> bool:
    return any(isinstance(n, (Ref, Name)) for n in nodes(node))


def same(a, b) -> bool:
    """The same value expression, ignoring ``$`` before a column (blocks are one column)."""
    return _plain(a) == _plain(b)


def _plain(node):
    if isinstance(node, Ref):
        return replace(node, col1_abs=False, col2_abs=False)
    if isinstance(node, Binary):
        return Binary(node.op, _plain(node.left), _plain(node.right))
    if isinstance(node, Unary):
        return Unary(node.op, _plain(node.arg))
    if isinstance(node, Call):
        return Call(node.name, tuple(_plain(a) for a in node.args))
    return node


class Context:
    """Where the formula is: its row (to tell a per-row cell from a threshold cell)."""

    def __init__(self, row: int, written=lambda node: ""):
        self.row = row
        #: How a condition is shown in messages (the renderer of :mod:`.formula_render`).
        self.written = written

    def threshold_like(self, node) -> bool:
        """A constant, a name, or a single cell outside the formula's own row."""
        if _number(node) is not None or isinstance(node, (Str, Bool)):
            return True
        if isinstance(node, Name):
            return True
        if isinstance(node, Ref):  # a cell of the formula's own row (on any sheet) is a per-row value
            return node.is_cell and (node.row1_abs or node.row1 != self.row)
        return False

    def result_like(self, node) -> bool:
        return self.threshold_like(node) or isinstance(node, (Err, Missing))


def _comparison(node, ctx: Context, subject):
    """(subject, Cmp) for ``x op t`` or ``t op x``; None otherwise."""
    if not (isinstance(node, Binary) and node.op in COMPARISONS):
        return None
    left, right = node.left, node.right
    for x, t, op in ((left, right, node.op), (right, left, _MIRROR[node.op])):
        if subject is not None and not same(x, subject):
            continue
        if ctx.threshold_like(t) and not ctx.threshold_like(x) and _has_reference(x) and _one_value(x):
            return x, Cmp(op, t)
    return None


def _condition(node, ctx: Context, subject):
    """(subject, condition) when ``node`` tests one value; None otherwise."""
    if isinstance(node, Bool):
        return subject, Always(node.value)
    found = _comparison(node, ctx, subject)
    if found:
        return found
    if isinstance(node, Call) and node.name in ("AND", "OR") and node.args:
        parts = []
        for a in node.args:
            got = _condition(a, ctx, subject)
            if got is None or got[0] is None:
                return None
            subject = got[0]
            parts.append(got[1])
        return subject, (AllOf if node.name == "AND" else AnyOf)(tuple(parts))
    if isinstance(node, Call) and node.name == "NOT" and len(node.args) == 1:
        got = _condition(node.args[0], ctx, subject)
        if got is None:
            return None
        return got[0], Not(got[1])
    return None


def _is_blank_test(node, subject) -> bool:
    """``x=""``, ``""=x``, ``ISBLANK(x)``, ``LEN(x)=0``."""
    if isinstance(node, Binary) and node.op == "=":
        for x, t in ((node.left, node.right), (node.right, node.left)):
            if isinstance(t, Str) and t.value == "" and (subject is None or same(x, subject)):
                return True
    if isinstance(node, Call) and node.name == "ISBLANK" and len(node.args) == 1:
        return subject is None or same(node.args[0], subject)
    return False


def _blank_subject(node):
    if isinstance(node, Binary) and node.op == "=":
        for x, t in ((node.left, node.right), (node.right, node.left)):
            if isinstance(t, Str) and t.value == "":
                return x
    if isinstance(node, Call) and node.name == "ISBLANK" and len(node.args) == 1:
        return node.args[0]
    return None


def _has_inequality(cond) -> bool:
    if isinstance(cond, Cmp):
        return cond.op not in ("=", "<>")
    if isinstance(cond, (AllOf, AnyOf)):
        return any(_has_inequality(p) for p in cond.parts)
    if isinstance(cond, Not):
        return _has_inequality(cond.part)
    return False


def _text_keyed(cond) -> bool | None:
    """True when every comparison is ``= "text"``, False when every threshold is numeric or a
    cell, None when mixed."""
    kinds = set()

    def walk(c):
        if isinstance(c, Cmp):
            kinds.add("text" if isinstance(c.threshold, Str) else "number")
            if isinstance(c.threshold, Str) and c.op != "=":
                kinds.add("bad")
        elif isinstance(c, (AllOf, AnyOf)):
            for p in c.parts:
                walk(p)
        elif isinstance(c, Not):
            walk(c.part)

    walk(cond)
    if "bad" in kinds or len(kinds - {"bad"}) > 1:
        return None
    return "text" in kinds


# -- IF / IFS -----------------------------------------------------------------------------

class _NotBands(Exception):
    pass


def _if_tree(node, ctx: Context, subject, path, leaves, label: str | None) -> object:
    """Collect the leaves of an IF/IFS tree over one subject; returns the subject."""
    if isinstance(node, Call) and node.name == "IF" and 2 <= len(node.args) <= 3:
        got = _condition(node.args[0], ctx, subject)
        if got is None or got[0] is None:
            raise _NotBands
        subject, cond = got
        then = node.args[1]
        other = node.args[2] if len(node.args) == 3 else FALSE_RESULT
        subject = _if_tree(then, ctx, subject, path + [(cond, True)], leaves, ctx.written(node.args[0]))
        return _if_tree(other, ctx, subject, path + [(cond, False)], leaves, None)
    if isinstance(node, Call) and node.name == "IFS" and len(node.args) >= 2 and len(node.args) % 2 == 0:
        conds = []
        for i in range(0, len(node.args), 2):
            got = _condition(node.args[i], ctx, subject)
            if got is None:
                raise _NotBands
            subject = got[0] if got[0] is not None else subject
            cond = got[1]
            if cond == Always(True):  # IFS(…, TRUE, x): the ELSE; nothing after it applies
                _if_tree(node.args[i + 1], ctx, subject, path + conds, leaves, None)
                return subject
            subject = _if_tree(node.args[i + 1], ctx, subject, path + conds + [(cond, True)], leaves,
                               ctx.written(node.args[i]))
            conds.append((cond, False))
        leaves.append(Leaf(path + conds, Err("#N/A"), is_else=True, written="(no condition holds: IFS gives #N/A)"))
        return subject
    if isinstance(node, Missing):
        node = Num(0.0)  # IF(c,,x): an empty argument gives 0
    if not ctx.result_like(node):
        raise _NotBands
    taken = [c for c, t in path if t]
    leaf = Leaf(list(path), node, is_else=not taken, written=label or "")
    if leaf.is_else:
        leaf.written = "(ELSE)"
    leaves.append(leaf)
    return subject


def _if_bands(node, ctx: Context) -> IfBands | None:
    guard_result = None
    top = node
    # IF(J3="","",…): a blank guard around the band logic
    if isinstance(node, Call) and node.name == "IF" and len(node.args) == 3:
        blank = _blank_subject(node.args[0])
        if blank is not None and ctx.result_like(node.args[1]):
            guard_result, node = node.args[1], node.args[2]
            if not (isinstance(node, Call) and node.name in ("IF", "IFS")):
                return None
    leaves: list[Leaf] = []
    try:
        subject = _if_tree(node, ctx, None, [], leaves, None)
    except _NotBands:
        return None
    if subject is None or sum(1 for leaf in leaves if not leaf.is_else) < 2:
        return None
    if guard_result is not None and not _is_blank_test(top.args[0], subject):
        return None
    keyed = {_text_keyed(c) for leaf in leaves for c, _ in leaf.path}
    if None in keyed or len(keyed) != 1:
        return None
    kind = "map" if keyed == {True} else "if"
    results = [leaf.result for leaf in leaves]
    if kind == "if" and all(isinstance(r, Err) for r in results):
        return None
    if kind == "if" and not any(_has_inequality(c) for leaf in leaves for c, _ in leaf.path):
        return None  # IFS(A2=1,"UNO",A2=2,"DOS"): numeric codes, not bands
    name = node.name if isinstance(node, Call) else "IF"
    return IfBands(top, subject, leaves, kind, name, guard_result)


# -- lookups ------------------------------------------------------------------------------

def _int_constant(node) -> int | None:
    x = _number(node)
    if x is None or x != int(x):
        return None
    return int(x)


def _approximate(node) -> bool | None:
    """The range_lookup / match_type argument: True approximate, False exact, None other."""
    if node is None or isinstance(node, Missing):
        return True
    if isinstance(node, Bool):
        return node.value
    x = _number(node)
    if x is None:
        return None
    return x != 0


def _table_like(node) -> bool:
    return isinstance(node, (Ref, Name, ArrayConst)) and not (isinstance(node, Ref) and node.is_cell)


def _match(node, ctx: Context):
    """(subject, keys, match_type) for MATCH(x, keys, 1|-1|omitted)."""
    if not (isinstance(node, Call) and node.name == "MATCH" and len(node.args) in (2, 3)):
        return None
    x, keys = node.args[0], node.args[1]
    kind = 1 if len(node.args) == 2 or isinstance(node.args[2], Missing) else _int_constant(node.args[2])
    if kind not in (1, -1) or not _table_like(keys) or not _subject(x, ctx):
        return None
    return x, keys, kind


def _subject(x, ctx: Context) -> bool:
    """The value a lookup looks up: read from the row, one value."""
    return _has_reference(x) and not ctx.threshold_like(x) and _one_value(x)


def _lookup(node, ctx: Context) -> Lookup | None:
    if not isinstance(node, Call):
        return None
    name, args = node.name, node.args
    if name in ("VLOOKUP", "HLOOKUP") and len(args) in (3, 4):
        approx = _approximate(args[3] if len(args) == 4 else None)
        index = _int_constant(args[2])
        if not approx or index is None or index < 1 or not _table_like(args[1]):
            return None
        if not _subject(args[0], ctx):
            return None
        return Lookup(node, args[0], name, None, None, 1, index=index, table=args[1])
    if name == "LOOKUP" and len(args) in (2, 3):
        if not all(_table_like(a) for a in args[1:]) or not _subject(args[0], ctx):
            return None
        if len(args) == 3:
            return Lookup(node, args[0], name, args[1], args[2])
        return Lookup(node, args[0], name, None, None, table=args[1])
    if name == "INDEX" and len(args) in (2, 3):
        m = _match(args[1], ctx)
        if m is None or not _table_like(args[0]):
            return None
        index = 0
        if len(args) == 3:
            index = _int_constant(args[2]) or 0
            if index < 1:
                return None
        return Lookup(node, m[0], "INDEX/MATCH", m[1], args[0], m[2], index=index)
    if name == "CHOOSE" and len(args) >= 3:
        m = _match(args[0], ctx)
        if m is None or not all(ctx.result_like(a) for a in args[1:]):
            return None
        return Lookup(node, m[0], "CHOOSE/MATCH", m[1], None, m[2], choices=tuple(args[1:]))
    return None


# -- weights ------------------------------------------------------------------------------

def _weight_like(node, ctx: Context) -> bool:
    if _number(node) is not None:
        return True
    if isinstance(node, Name):
        return True
    return isinstance(node, Ref) and node.is_cell and (node.row1_abs or node.row1 != ctx.row)


def _terms(node) -> list | None:
    if isinstance(node, Binary) and node.op == "+":
        left, right = _terms(node.left), _terms(node.right)
        return None if left is None or right is None else left + right
    return [node]


def _weights(node, ctx: Context) -> Weights | None:
    factor = 1.0
    inner = node
    if isinstance(node, Binary) and node.op in ("/", "*"):
        k = _number(node.right)
        if k is not None and k != 0:
            factor, inner = (1 / k if node.op == "/" else k), node.left
        elif node.op == "*" and _number(node.left) is not None and _number(node.left) != 0:
            factor, inner = _number(node.left), node.right
    if isinstance(inner, Call) and inner.name == "SUMPRODUCT" and len(inner.args) == 2:
        a, b = inner.args
        for scores, weights in ((a, b), (b, a)):
            if (isinstance(scores, Ref) and not scores.is_cell and moves_down(scores)
                    and (isinstance(weights, (ArrayConst, Name)) or (isinstance(weights, Ref)
                                                                    and not moves_down(weights)))):
                return Weights(node, scores, weights, factor=factor)
        return None
    terms = _terms(inner)
    if terms is None or len(terms) < 2:
        return None
    pairs = []
    for t in terms:
        if not (isinstance(t, Binary) and t.op == "*"):
            return None
        if _weight_like(t.right, ctx) and not _weight_like(t.left, ctx) and _has_reference(t.left):
            pairs.append((t.left, t.right))
        elif _weight_like(t.left, ctx) and not _weight_like(t.right, ctx) and _has_reference(t.right):
            pairs.append((t.right, t.left))
        else:
            return None
    return Weights(node, terms=pairs, factor=factor, function="sum of products")


# -- the walk ----------------------------------------------------------------------------

def recognise(tree, row: int, written=lambda node: "") -> list[Shape]:
    """Every band-logic part of a formula (written in ``row``), outermost first; the parts
    of a recognised shape are not searched again (its results are constants), except the
    terms of a weighted total (each may be band logic itself)."""
    ctx = Context(row, written)
    found: list[Shape] = []

    def walk(node) -> None:
        shape = _if_bands(node, ctx) or _lookup(node, ctx)
        if shape is not None:
            found.append(shape)
            return
        w = _weights(node, ctx)
        if w is not None:
            found.append(w)
            for score, _ in w.terms:
                walk(score)
            return
        for child in children(node):
            walk(child)

    walk(tree)
    return found
