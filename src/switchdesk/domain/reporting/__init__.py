"""Reporting metric definitions: pure functions over raw counts (stdlib only)."""

from switchdesk.domain.reporting.service_level import (
    DEFAULT_SERVICE_LEVEL_FORMULA,
    DEFAULT_SHORT_ABANDON_SECONDS,
    ServiceLevelCounts,
    ServiceLevelFormula,
    abandonment_rate,
    abandonment_rate_excluding_short,
    average_handle_time_seconds,
    average_speed_of_answer_seconds,
    occupancy,
    service_level,
)

__all__ = [
    "DEFAULT_SERVICE_LEVEL_FORMULA",
    "DEFAULT_SHORT_ABANDON_SECONDS",
    "ServiceLevelCounts",
    "ServiceLevelFormula",
    "abandonment_rate",
    "abandonment_rate_excluding_short",
    "average_handle_time_seconds",
    "average_speed_of_answer_seconds",
    "occupancy",
    "service_level",
]
