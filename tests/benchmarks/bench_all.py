"""The benchmark suite (`make bench`): the six scenarios one after another, each in its own process
with its own scheduler, their output shown as it comes; then one JSON object with the figure of
every target as the last line.

    .venv/bin/python tests/benchmarks/bench_all.py [--only submit,dispatch,...]

Targets on this machine class (2 cores, client and server on loopback): submissions >= 1,000/s;
dispatch p50 < 5 ms and p99 < 50 ms; lifecycle >= 50 jobs/s; heartbeat p99 < 100 ms with 1,000
agents; < 300 MB resident and decision p99 < 1 ms at 100,000 waiting jobs; start-up < 2 s on
100,000 jobs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# scenario: (script and its arguments, {figure in the summary: figure in the scenario's line})
SCENARIOS: dict[str, tuple[list[str], dict[str, str]]] = {
    "submit": (["bench_submit.py", "--connections", "8", "--seconds", "20"],
               {"submit_jobs_per_s": "submit_jobs_per_s"}),
    "dispatch": (["bench_dispatch.py", "--agents", "50", "--rate", "100", "--jobs", "1000"],
                 {"dispatch_p50_ms": "dispatch_p50_ms", "dispatch_p99_ms": "dispatch_p99_ms"}),
    "lifecycle": (["bench_lifecycle.py", "--agents", "20", "--seconds", "20"],
                  {"lifecycle_jobs_per_s": "lifecycle_jobs_per_s"}),
    "fan_in": (["bench_fanin.py", "--agents", "1000", "--channels", "10", "--seconds", "30"],
               {"heartbeat_p99_ms": "heartbeat_p99_ms"}),
    # before the queue depth: its gigabyte of writes would still be reaching the disk
    "restart": (["bench_restart.py", "--jobs", "100000"], {"restart_s_100k": "restart_s"}),
    "depth": (["bench_depth.py", "--jobs", "100000"],
              {"rss_mb_100k": "rss_mb_100k", "decision_p99_ms_100k": "decision_p99_ms_100k"}),
}
KEYS = ["submit_jobs_per_s", "dispatch_p50_ms", "dispatch_p99_ms", "lifecycle_jobs_per_s", "heartbeat_p99_ms",
        "rss_mb_100k", "decision_p99_ms_100k", "restart_s_100k"]  # the summary's order


def run(script: list[str]) -> dict:
    """Run one scenario, echoing its output; the JSON object of its last line."""
    proc = subprocess.Popen([sys.executable, str(HERE / script[0]), *script[1:]], stdout=subprocess.PIPE,
                            text=True, cwd=HERE)
    last = ""
    for line in proc.stdout:
        print(f"  {line}", end="", flush=True)
        if line.strip():
            last = line
    if proc.wait() != 0:
        raise SystemExit(f"{script[0]} failed with exit code {proc.returncode}")
    return json.loads(last)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    a = p.parse_args()
    summary: dict[str, float] = {}
    began = time.monotonic()
    for name in a.only.split(","):
        script, figures = SCENARIOS[name]
        started = time.monotonic()
        print(f"{name}: {' '.join(script)}", flush=True)
        line = run(script)
        print(f"{name}: {time.monotonic() - started:.0f} s", flush=True)
        summary.update({key: line[source] for key, source in figures.items()})
    print(f"suite: {time.monotonic() - began:.0f} s", flush=True)
    print(json.dumps({key: summary[key] for key in KEYS if key in summary}))


if __name__ == "__main__":
    main()
