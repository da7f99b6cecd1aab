"""Build every appraisal template into this folder: ``python templates/build.py [NAME ...]``.

Each template is described once in ``kpi_udfs/templates/schemes/<name>.py``; this script
lays it out with its sample staff in simplified Chinese (the committed copies' language,
``templates.COMMITTED_LANGUAGE``; ``kpi --lang en new NAME -o FILE`` gives any other),
recalculates it headless (``kpi recalc``) so every formula cell carries its value, and
writes ``templates/<Name>.xlsx``. The output is
deterministic (fixed timestamps and zip layout): tests/test_templates.py rebuilds the
templates and checks the committed files are byte for byte what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from kpi_udfs import templates  # noqa: E402


def main(argv: list[str]) -> int:
    wanted = argv or templates.names()
    for name in wanted:
        out = HERE / f"{templates.get(name).name}.xlsx"
        evaluation = templates.build(name, out, lang=templates.COMMITTED_LANGUAGE)
        errors = len(evaluation.errors()) if evaluation else 0
        print(f"{out.relative_to(HERE.parent)}: {evaluation.formula_cells} formula cells, {errors} error cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
