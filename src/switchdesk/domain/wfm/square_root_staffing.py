"""Square-root staffing (Halfin & Whitt 1981): ``N ~ a + beta sqrt(a)``.

In the quality-and-efficiency-driven regime the Erlang C wait probability tends to
``1 / (1 + beta Phi(beta) / phi(beta))``, with ``Phi``/``phi`` the standard normal
distribution and density. A quick estimate, good to an agent or two from moderate loads
up; use :func:`switchdesk.domain.wfm.staffing.required_agents` for the exact answer.
"""

from __future__ import annotations

import math

from switchdesk.domain.errors import ValidationFailed
from switchdesk.domain.wfm.input_checks import check_finite


def halfin_whitt_wait_probability(beta: float) -> float:
    """Limiting P(wait) for safety factor ``beta > 0``."""
    safety = check_finite(beta, name="beta", inclusive=False)
    density = math.exp(-safety * safety / 2.0) / math.sqrt(2.0 * math.pi)
    distribution = 0.5 * (1.0 + math.erf(safety / math.sqrt(2.0)))
    if density == 0.0:
        return 0.0
    return 1.0 / (1.0 + safety * distribution / density)


def halfin_whitt_beta(wait_probability: float) -> float:
    """Safety factor ``beta`` whose limiting P(wait) is ``wait_probability`` (in (0, 1))."""
    target = check_finite(wait_probability, name="wait_probability", inclusive=False)
    if target >= 1.0:
        raise ValidationFailed(
            f"wait_probability must be below 1, got {wait_probability!r}", field="wait_probability"
        )
    low, high = 0.0, 1.0
    while halfin_whitt_wait_probability(high) > target:
        high *= 2.0
        if high > 64.0:
            break
    for _ in range(200):  # bisection: P(wait) falls as beta grows
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if middle > 0.0 and halfin_whitt_wait_probability(middle) > target:
            low = middle
        else:
            high = middle
    return high


def square_root_staffing(load_erlangs: float, beta: float) -> int:
    """Agents estimated by ``ceil(a + beta sqrt(a))``, at least one more than ``floor(a)``."""
    load = check_finite(load_erlangs, name="load_erlangs")
    safety = check_finite(beta, name="beta")
    return max(math.floor(load) + 1, math.ceil(load + safety * math.sqrt(load)))
