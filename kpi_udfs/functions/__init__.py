"""The KPI_ functions, one module per theme. Importing this package registers them all."""

from . import rates  # noqa: F401
