"""Workforce-management math: Erlang B, C and A, staffing, shrinkage, square-root staffing.

Pure functions of their arguments (stdlib only). Floats carry their unit in their name
(``handle_time_seconds``); quantities that end in a ``ceil`` are exact fractions.
"""

from switchdesk.domain.wfm.erlang_a import erlang_a_figures
from switchdesk.domain.wfm.erlang_b import erlang_b
from switchdesk.domain.wfm.erlang_c import (
    erlang_c,
    erlang_c_asa_seconds,
    erlang_c_figures,
    erlang_c_service_level,
    occupancy,
)
from switchdesk.domain.wfm.exact_numbers import ExactNumber, exact_fraction
from switchdesk.domain.wfm.queue_figures import QueueFigures
from switchdesk.domain.wfm.square_root_staffing import (
    halfin_whitt_beta,
    halfin_whitt_wait_probability,
    square_root_staffing,
)
from switchdesk.domain.wfm.staffing import (
    StaffingResult,
    StaffingTargets,
    meets_targets,
    required_agents,
    scheduled_headcount,
)
from switchdesk.domain.wfm.workload import Workload

__all__ = [
    "ExactNumber",
    "QueueFigures",
    "StaffingResult",
    "StaffingTargets",
    "Workload",
    "erlang_a_figures",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa_seconds",
    "erlang_c_figures",
    "erlang_c_service_level",
    "exact_fraction",
    "halfin_whitt_beta",
    "halfin_whitt_wait_probability",
    "meets_targets",
    "occupancy",
    "required_agents",
    "scheduled_headcount",
    "square_root_staffing",
]
