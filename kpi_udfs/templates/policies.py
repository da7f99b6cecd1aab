"""Policy cells of a template's Rules sheet: the choices they offer, in the workbook's language.

A policy cell (「落空策略」, 「奖金方案」…) is a :class:`~.spec.Setting` with a ``policy``:

* a KPI_ function's choice argument (``"KPI_BAND.on_gap"``): its codes and their labels are
  the registry's (:func:`kpi_udfs.registry.Choice`), and the function reads any of them
  (:func:`kpi_udfs.registry.choice_code`);
* a choice the workbook's own formulas make (``"template.grade_source"``, :data:`CHOICES`):
  declared the same way; a code cell under it (``Grade_Source_Code``, KPI_MAP over every
  spelling) gives the formulas the code, whatever the language of the label typed;
* a value the workbook uses as it is (:data:`VALUES`: the grade given below the table,
  TRUE/FALSE): the codes are the values, each explained.

The cell shows the label of the workbook's language, its drop-down lists those labels,
and the note beside it says what each choice means and which is the default. The words
are English source texts (``N_``) translated in the gettext catalogues; a scheme adds
only its own example (「90.5 → B」).
"""

from __future__ import annotations

from typing import Any

from ..i18n import N_, translate
from ..registry import Choice, Param
from .spec import Setting

#: Choices the workbook's formulas make themselves (no KPI_ argument behind them).
CHOICES: dict[str, Param] = {
    "template.grade_source": Choice("grade_source", "", {
        "SCORE": N_("grade by score"),
        "FORCED": N_("forced distribution by quota"),
    }, "SCORE"),
    "template.bonus_mode": Choice("bonus_mode", "", {
        "LEVEL": N_("bonus by staff level"),
        "LADDER": N_("bonus by rank ladder"),
    }, "LEVEL"),
    "template.level_reading": Choice("level_reading", "", {
        "LOWER": N_("the marks are lower bounds"),
        "UPPER": N_("the marks are upper bounds"),
    }, "LOWER"),
    "template.ledger": Choice("ledger", "", {
        "BOTH": N_("points and money"),
        "POINTS": N_("points only"),
        "MONEY": N_("money only"),
    }, "BOTH"),
    "template.low_score": Choice("low_score", "", {
        "FLOOR_300": N_("the low-score amount below the mark"),
        "LEVEL": N_("by level only"),
    }, "FLOOR_300"),
    "template.fine_scope": Choice("fine_scope", "", {
        "PERSON": N_("counted per person"),
        "TEAM": N_("counted over the team"),
    }, "PERSON"),
    "template.fine_period": Choice("fine_period", "", {
        "MONTH": N_("counted anew each month"),
        "ALL": N_("counted over all months (History)"),
    }, "MONTH"),
    "template.streak_window": Choice("streak_window", "", {
        "CONSECUTIVE": N_("any 3 months in a row"),
        "QUARTER": N_("the 3 months of a calendar quarter"),
    }, "CONSECUTIVE"),
}

#: Settings whose value the workbook uses as it is: code → what it means.
VALUES: dict[str, dict[str, str]] = {
    "template.grade_below": {"无": N_("no grade and no bonus"), "D": N_("still graded D"), "ERROR": N_("error (#N/A)")},
    "template.yes_no": {"TRUE": N_("yes"), "FALSE": N_("no")},
    "KPI_TARGET_LINEAR.gate_inclusive": {"TRUE": N_("at the gate scores"), "FALSE": N_("must be above the gate")},
}

#: The defined name of the code cell under a :data:`CHOICES` cell ``name``.
CODE_SUFFIX = "_Code"


def choice(policy: str) -> Param | None:
    """The choice argument behind ``policy`` (the registry's, or one of :data:`CHOICES`);
    None for a :data:`VALUES` policy."""
    if policy in CHOICES:
        return CHOICES[policy]
    if policy in VALUES:
        return None
    from ..registry import REGISTRY, catalogue

    catalogue()
    fn_name, _dot, arg = policy.partition(".")
    fn = REGISTRY.get(fn_name)
    p = next((p for p in fn.params if p.name == arg), None) if fn else None
    if p is None or p.kind != "choice":
        raise KeyError(f"{policy}: no such policy (a KPI_ function's choice argument, or one of policies.CHOICES)")
    return p


def codes(policy: str) -> tuple[str, ...]:
    """The codes of a policy, in drop-down order."""
    p = choice(policy)
    return p.choices if p is not None else tuple(VALUES[policy])


def _meaning(policy: str, code: str) -> str:
    """The English words of ``code``."""
    p = choice(policy)
    return p.labels[p.choices.index(code)] if p is not None else VALUES[policy][code]


def shown(policy: str, value: Any, lang: str) -> Any:
    """What a policy cell holding ``value`` (a code) shows in ``lang``: the code's label for
    a choice, the value itself otherwise (a number, a blank, a :data:`VALUES` code)."""
    p = choice(policy)
    if p is not None and isinstance(value, str) and value in p.choices:
        return translate(_meaning(policy, value), lang)
    return value


def dropdown(policy: str, default: Any, lang: str) -> tuple[str, ...]:
    """The entries of a policy cell's drop-down in ``lang``: the labels of a choice (and a
    numeric default, such as floor 0), the codes of a :data:`VALUES` policy."""
    p = choice(policy)
    if p is None:
        return codes(policy)
    labels = tuple(translate(label, lang) for label in p.labels)
    if p.number_ok and isinstance(default, (int, float)) and not isinstance(default, bool):
        return (f"{default:g}", *labels)
    return labels


def explain(policy: str, default: Any, lang: str) -> str:
    """The note beside a policy cell in ``lang``: each choice's words and code, the default
    marked (「相邻较差档 (WORSE); …」)."""
    p = choice(policy)
    number_ok = p is not None and p.number_ok
    shown_default = str(default).upper() if isinstance(default, bool) else str(default)
    parts = []
    if number_ok and isinstance(default, (int, float)) and not isinstance(default, bool):
        parts.append(translate(N_("{value} (the default)"), lang).format(value=f"{default:g}"))
    for code in codes(policy):
        words = translate(_meaning(policy, code), lang)
        if str(code) == shown_default:
            parts.append(translate(N_("{words} ({code}, the default)"), lang).format(words=words, code=code))
        else:
            parts.append(translate(N_("{words} ({code})"), lang).format(words=words, code=code))
    text = translate(N_("; "), lang).join(parts)
    if number_ok:
        text = translate(N_("{choices}; or a number"), lang).format(choices=text)
    return text


def policy(name: str, label: str, policy_id: str, value: Any, example: str = "") -> Setting:
    """A policy cell: its choices as a drop-down, their explanation (made in the workbook's
    language by the layout) and the scheme's example (``example``, a note in English)."""
    if isinstance(value, str) and value not in codes(policy_id):
        raise ValueError(f"{name}: {value!r} is not a code of {policy_id}")
    return Setting(name, label, value, example, policy=policy_id)


def check_registry() -> list[str]:
    """Policies of the templates that name no choice argument of the registry (a test
    keeps this empty)."""
    from .. import templates

    problems = []
    for name in templates.names():
        for s in templates.get(name).settings().values():
            if s.policy:
                try:
                    choice(s.policy)
                except KeyError as e:
                    problems.append(f"{name} {s.name}: {e.args[0]}")
    return problems
