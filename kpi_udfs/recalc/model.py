"""What the evaluator hands the writer: the computed value of every formula cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import KpiError

#: A computed cell value: a number, text, a bool, an Excel error with its reason, or
#: None for an empty result.
CellValue = float | str | bool | KpiError | None


@dataclass
class Evaluation:
    """The result of evaluating one workbook.

    ``values`` maps (sheet name as in workbook.xml, cell reference such as "B2",
    upper-case, no $) to the computed value, for every formula cell, including each
    cell of an array formula's range.
    """

    values: dict[tuple[str, str], CellValue] = field(default_factory=dict)
    #: Cells whose formula could not be evaluated at all, with the reason (also present
    #: in ``values`` as an error).
    notes: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def formula_cells(self) -> int:
        return len(self.values)

    def errors(self) -> list[tuple[str, str, KpiError]]:
        return [(s, r, v) for (s, r), v in self.values.items() if isinstance(v, KpiError)]
