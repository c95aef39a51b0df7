"""`flywheel backup` and `flywheel restore` of a store of synthetic cities (1,000 by default),
each run as a user runs it: the whole command as a subprocess, its wall time, CPU time and peak
memory (the process tree's resident memory, polled, and each process's own peak, VmHWM; see
bench/load_command.py's `measure`).

  store     the cities written one case at a time (CaseStore.put_case_data, as `flywheel load`
            writes them; prepared as bench/union.py prepares them), into a new on-disk store
  backup    `flywheel backup FILE.nq --store STORE`
  restore   `flywheel restore FILE.nq --store NEW` into a new store, with this checkout and,
            with --before PATH, with the code in PATH too (PYTHONPATH=PATH python -m kg.cli),
            e.g. the commit before restore streamed: `git archive COMMIT | tar -x -C PATH`.
            A run whose tree passes --limit-mb of memory is stopped (and said so).

    python bench/restore.py                              # 1,000 cities
    python bench/restore.py --cities 100 --before /tmp/base
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # its api.py is no package

from kg.store import open_store  # noqa: E402

sys.path.append(str(HERE))
from load_command import measure  # noqa: E402
from union import prepared  # noqa: E402


def run(
    command: list[str], env: dict[str, str], limit_mb: float
) -> tuple[float, float, float, float, int, str]:
    """Run a command: wall s, CPU s, peak tree MB, sum of VmHWM MB, exit code, stderr's end.
    Stopped (exit code -9) when the tree's memory passes ``limit_mb``."""
    done = measure(command, env, limit_mb)
    return (
        done.seconds,
        done.cpu_seconds,
        done.peak_tree_mb,
        done.sum_of_peaks_mb,
        done.returncode,
        done.stderr[-500:],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--limit-mb", type=float, default=12_000)
    args = parser.parse_args()
    here = str(HERE.parent)
    print(f"{args.cities} cities; load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="flywheel-bench-restore-") as scratch:
        work = Path(scratch)
        start = time.perf_counter()
        with open_store(work / "store") as store:
            for iri, source, path in prepared(args.cities):
                store.put_case_data(iri, source, gzip.decompress(path.read_bytes()))
        print(f"store written in {time.perf_counter() - start:.0f} s", flush=True)
        print(
            f"{'what':<28} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'sum-HWM MB':>10}", flush=True
        )
        backup = work / "all.nq"
        codes = [("this checkout", here)] + ([("before", str(args.before))] if args.before else [])
        env = {**os.environ, "PYTHONPATH": here, "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, "-m", "kg.cli"]
        result = run(
            [*command, "backup", str(backup), "--store", str(work / "store")], env, args.limit_mb
        )
        print(f"{'backup':<28} {result[0]:>8.1f} {result[1]:>8.1f} {result[2]:>8.0f} {result[3]:>10.0f}"
              f"  ({backup.stat().st_size / 1e6:.0f} MB file)", flush=True)  # fmt: skip
        if result[4] != 0:
            raise SystemExit(f"backup failed: {result[5]}")
        for name, code in reversed(codes):
            target = work / f"restored-{name.replace(' ', '-')}"
            env = {**os.environ, "PYTHONPATH": code, "PYTHONDONTWRITEBYTECODE": "1"}
            result = run(
                [*command, "restore", str(backup), "--store", str(target)], env, args.limit_mb
            )
            said = (
                ""
                if result[4] == 0
                else f"  exit {result[4]}: {result[5].strip()[-200:] or 'stopped'}"
            )
            print(f"{'restore, ' + name:<28} {result[0]:>8.1f} {result[1]:>8.1f} {result[2]:>8.0f} "
                  f"{result[3]:>10.0f}{said}", flush=True)  # fmt: skip
            shutil.rmtree(target, ignore_errors=True)


if __name__ == "__main__":
    main()
