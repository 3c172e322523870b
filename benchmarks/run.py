"""Run every benchmark side by side and print one line each: name, lazyscope, baseline, ratio.

Usage: python benchmarks/run.py [--small] [NAME_FRAGMENT ...]

Each `bench_*.py` runs in its own process (Spark and Dask keep global state) and
prints its own result lines; this runner collects them under one header. The
figures are measured in the same run as their baselines, so only ratios matter.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    small = "--small" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    scripts = sorted(
        p for p in HERE.glob("bench_*.py") if not wanted or any(w in p.name for w in wanted)
    )
    print(f"{'benchmark':<44} {'lazyscope':>12} {'baseline':>12} {'ratio':>7}")
    failed = 0
    for script in scripts:
        start = time.perf_counter()
        args = [sys.executable, str(script), *(["--small"] if small else [])]
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        print(proc.stdout.rstrip())
        if proc.returncode != 0:
            failed += 1
            print(f"# {script.name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        print(f"# {script.name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
