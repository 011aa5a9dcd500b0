"""Routing engine cost per lifecycle, counted by valgrind instead of timed.

On a shared machine the wall-clock rate of ``benchmarks/routing.py`` moves by 20-40 %
from one minute to the next, more than most single changes to the engine. Counted
instructions and simulated cache misses do not move: this script runs the same workload
as ``routing.py`` (same engine, queues, agents and traffic) to its steady state, then
turns valgrind's counting on for ``N`` lifecycles only.

Run (about a minute at 10,000 agents)::

    valgrind --tool=callgrind --cache-sim=yes --LL=8388608,16,64 --instr-atstart=no \\
        --callgrind-out-file=/tmp/routing.callgrind \\
        .venv/bin/python benchmarks/routing_instructions.py 10000 3000
    callgrind_annotate /tmp/routing.callgrind | grep "PROGRAM TOTALS"

and divide the totals (Ir: instructions; D1mr + D1mw: first-level data cache misses;
DLmr + DLmw: last-level misses, here of a simulated 8 MB cache) by ``N``. Without
valgrind it runs the same lifecycles and prints the rate, which is not a benchmark.
``--warm`` sets the untimed lifecycles first (default 65,000: by then the 30 s offer
timeout keeps about 60,000 offer expiries pending, as in the timed benchmark).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from routing import build, run_lifecycles


def _count(on: bool) -> None:
    """Turn valgrind's counting on or off for this process (no-op without valgrind)."""
    tool = shutil.which("callgrind_control")
    if tool is None:
        return
    subprocess.run(
        [tool, "-i", "on" if on else "off", str(os.getpid())], check=False, capture_output=True
    )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    size = int(args[0]) if args else 10_000
    count = int(args[1]) if len(args) > 1 else 3_000
    warm = 65_000
    for arg in sys.argv[1:]:
        if arg.startswith("--warm="):
            warm = int(arg.split("=", 1)[1])
    engine = build(size)
    run_lifecycles(engine, warm, size, prefix="warm")
    # routing.py's own loop; valgrind counts its timed part only
    rate = run_lifecycles(engine, count, size, prefix="m", around=_count)
    print(f"{count} lifecycles at {size} agents, {rate:,.0f}/s (not a benchmark)")


if __name__ == "__main__":
    main()
