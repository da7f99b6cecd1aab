"""The KPI_ functions, one module per theme. Importing this package registers them all,
in catalogue order (SEED_RULES.md §7.1, then the additions)."""

from . import (  # noqa: F401
    bands,  # KPI_BAND, KPI_GRADE, KPI_CHECK_BANDS
    history,  # KPI_LEVEL_HISTORY, KPI_STREAK, KPI_TENURE_OK
    maps,  # KPI_MAP
    meta,  # KPI_FUNCTIONS
    pay,  # KPI_PAYOUT
    points,  # KPI_ADJUST, KPI_WEIGHTED, KPI_TOTAL
    quotas,  # KPI_QUOTA, KPI_FORCE_GRADES, KPI_QUOTA_CHECK
    ranking,  # KPI_RANK_BONUS, KPI_POOL
    rates,  # KPI_RATE, KPI_PASS, KPI_CHECK_RANGE
    targets,  # KPI_TARGET_LINEAR, KPI_TARGET_STEP
)
