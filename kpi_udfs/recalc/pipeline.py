"""One recalculation, start to end: read → graph → evaluate → write.

:func:`evaluate` reads the workbook file once (:mod:`.read`), orders its formulas
(:mod:`.graph`), computes them (:mod:`.evaluate`, Excel's functions in :mod:`.excel`)
and returns the :class:`~.model.Evaluation`; :func:`recalculate` also keeps the package
so that :mod:`.write` puts the values into a copy of it from the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .evaluate.run import Engine, evaluate_workbook
from .model import Evaluation
from .read.archive import Limits, Package, Source, open_package, read_source
from .read.workbook import read_workbook


@dataclass
class Recalculation:
    """A workbook read once and computed: its bytes, its package and its values."""

    source: Source
    package: Package
    evaluation: Evaluation
    engine: Engine

    def close(self) -> None:
        self.package.close()


def recalculate(
    source: Source | Path | str,
    *,
    limits: Limits | None = None,
    progress: Callable[[int, int], None] | None = None,
    validate: bool = True,
    whole_blocks: bool = True,
) -> Recalculation:
    """Read the workbook once and compute every formula cell (see the module doc)."""
    if not isinstance(source, Source):
        source = read_source(source, limits)
    pkg = open_package(source, limits)
    try:
        if validate:
            pkg.validate()
        wb = read_workbook(pkg)
        engine = evaluate_workbook(wb, progress, whole_blocks)
    except BaseException:
        pkg.close()
        raise
    return Recalculation(source, pkg, engine.evaluation, engine)


def evaluate_package(pkg: Package, *, progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """Every formula cell of an opened (and validated) package computed."""
    return evaluate_workbook(read_workbook(pkg), progress).evaluation


def evaluate_package_cell_by_cell(pkg: Package, *, progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """The same, every cell computed on its own (the comparison the benchmark and the tests
    make with whole blocks)."""
    return evaluate_workbook(read_workbook(pkg), progress, whole_blocks=False).evaluation


def evaluate(
    path: Source | Path | str,
    *,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits | None = None,
    whole_blocks: bool = True,
) -> Evaluation:
    """Every formula cell of the workbook at ``path`` computed (the file is only read).

    ``whole_blocks=False`` computes every cell on its own, row by row: the same values,
    slower (the tests compare the two)."""
    done = recalculate(path, limits=limits, progress=progress, validate=False, whole_blocks=whole_blocks)
    done.close()
    return done.evaluation
