"""The module xlwings imports ("UDF MODULES" = kpi_addin): every KPI_ function as a UDF.

The functions are built from the kpi-udfs registry in kpi_udfs.xlwings_addin; this file
only makes them importable under the name the xlwings configuration gives.
"""

from kpi_udfs.xlwings_addin import *  # noqa: F403
