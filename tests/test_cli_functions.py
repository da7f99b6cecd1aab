"""`kpi functions` prints the catalogue from the registry; docs/FUNCTIONS.md is generated from it."""

from pathlib import Path

from typer.testing import CliRunner

from kpi_udfs.cli import app
from kpi_udfs.reference import reference_markdown
from kpi_udfs.registry import REGISTRY

runner = CliRunner()


def test_functions_lists_every_registry_entry():
    result = runner.invoke(app, ["functions"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in REGISTRY:
        assert name in result.output
    assert f"{len(REGISTRY)} KPI_ functions" in result.output


def test_functions_name_shows_every_argument_help():
    result = runner.invoke(app, ["functions", "kpi_grade"])
    assert result.exit_code == 0
    fn = REGISTRY["KPI_GRADE"]
    assert fn.signature() in result.output
    for p in fn.params:
        assert f"`{p.name}`" in result.output and p.help in result.output


def test_unknown_function_is_a_usage_error():
    result = runner.invoke(app, ["functions", "KPI_NOPE"])
    assert result.exit_code == 2 and "KPI_NOPE" in result.output


def test_reference_doc_is_generated_from_registry():
    committed = Path(__file__).resolve().parents[1] / "docs" / "FUNCTIONS.md"
    assert committed.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/FUNCTIONS.md is stale: run `kpi functions --markdown > docs/FUNCTIONS.md`"
    )
