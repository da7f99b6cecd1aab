"""The KPI_ functions, one module per theme. Importing this package registers them all,
in catalogue order (SEED_RULES.md §7.1, then the additions): the import order below is
the order of ``kpi functions`` and KPI_FUNCTIONS()."""

# isort: skip_file
from . import rates  # noqa: F401  KPI_RATE, KPI_PASS, KPI_CHECK_RANGE
from . import bands  # noqa: F401  KPI_BAND, KPI_GRADE, KPI_CHECK_BANDS
from . import maps  # noqa: F401  KPI_MAP
from . import points  # noqa: F401  KPI_ADJUST, KPI_WEIGHTED, KPI_TOTAL
from . import targets  # noqa: F401  KPI_TARGET_LINEAR, KPI_TARGET_STEP
from . import pay  # noqa: F401  KPI_PAYOUT
from . import ranking  # noqa: F401  KPI_RANK_BONUS, KPI_POOL
from . import quotas  # noqa: F401  KPI_QUOTA, KPI_FORCE_GRADES, KPI_QUOTA_CHECK
from . import history  # noqa: F401  KPI_LEVEL_HISTORY, KPI_STREAK, KPI_TENURE_OK
from . import meta  # noqa: F401  KPI_FUNCTIONS, KPI_WHY
