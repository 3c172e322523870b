"""Run every benchmark and print one line per comparison: name, lazyscope's figure, each
peer's figure, ratio, the goal, and met / not met (a Markdown table).

Usage: python benchmarks/run.py [--small] [NAME_FRAGMENT ...]

Each `bench_*.py` runs in its own process (Spark and Dask keep global state), with the
lazyscope of this checkout (`src/`) first on PYTHONPATH, and prints its own rows; this runner
collects them under one header. Peers (sparkmonitor, hvplot, graphviz) come from the
interpreter running this script: install them in a separate venv (see README.md); a missing
peer prints "peer not installed" on its line. Only ratios matter: the sides of a comparison
are measured in the same run, interleaved. `--small` runs small sizes (a few minutes).
`bench_hub_load.py` makes OS users for its JupyterHub: run as root (otherwise it prints a
note and measures nothing); `--small` gives it 2 users, `bench_kernel_longlife.py` 100 cells.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _bench import HEADER, SRC  # noqa: E402  # after the path is set


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("wanted", nargs="*", metavar="NAME_FRAGMENT", help="only these bench_*.py")
    args = parser.parse_args(argv)
    small, wanted = args.small, args.wanted
    scripts = sorted(
        p for p in HERE.glob("bench_*.py") if not wanted or any(w in p.name for w in wanted)
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    print(HEADER, flush=True)
    failed = 0
    total = time.perf_counter()
    for script in scripts:
        start = time.perf_counter()
        args = [sys.executable, str(script), *(["--small"] if small else [])]
        proc = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
        for text in proc.stdout.rstrip().splitlines():  # rows and notes; anything else a note
            print(text if text.startswith(("|", "#")) else f"# {text}", flush=True)
        if proc.returncode != 0:
            failed += 1
            print(f"# {script.name} failed (exit {proc.returncode}):", flush=True)
            for text in proc.stderr.strip().splitlines()[-15:]:
                print(f"#   {text}", flush=True)
        print(f"# {script.name}: {time.perf_counter() - start:.0f} s", flush=True)
    print(f"# all: {time.perf_counter() - total:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
