"""What a user gets from `flywheel load`: the whole command, validation included, at 100, 1,000
(and with --with-3000, 3,000) synthetic cities, next to raw pyoxigraph loading the same files in
the same run.

  command   `flywheel load FOLDER --store STORE [--jobs N]` as a subprocess, output piped (no
            progress bar), into a new on-disk store: the files are the Turtle that
            `flywheel synth N --actions 100` writes (about 4,000 triples each)
  baseline  a Python subprocess that opens a new pyoxigraph Store on disk and bulk-loads every
            file's triples into the file's named graph in one `Store.bulk_extend` over a
            generator (pyoxigraph's Turtle parser, `ox.parse`): parsing and storing only, no
            validation, no catalog, no name checks, not transactional. (One `bulk_load` call per
            file was slower: 0.1 s per city at 100 cities, 0.2 s at 1,000.)

Measured for each: wall time, CPU time (user + system, of the process and every descendant,
from getrusage; steadier than wall time on a shared machine), and peak memory of the whole process tree (the command and its
validation workers), polled from /proc every 50 ms as the sum of every process's resident set
(VmRSS); also the sum of each process's own peak (VmHWM), an upper bound a poll cannot miss.
Printed with the ratios command / baseline. The machine may be shared: compare the ratios.

The cities are generated once (in parallel, one process per core) into a cache folder under
/tmp, keyed by the generator's source, and reused by later runs; each size loads the first N.

    python bench/load_command.py                      # 100 and 1,000 cities
    python bench/load_command.py --with-3000          # and 3,000 (about an hour on 2 cores)
    python bench/load_command.py --cities 100 --jobs 1 2   # --jobs 1 against --jobs 2
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg import paths
from kg.store.loading import usable_cores

CACHE = Path(tempfile.gettempdir()) / "flywheel-bench-synth"
ACTIONS, SEED = 100, 0
FLYWHEEL = Path(sys.executable).parent / "flywheel"

BASELINE = """
import sys, pyoxigraph as ox
from pathlib import Path

def quads():
    for name in sys.argv[2:]:
        number = int(Path(name).stem.rsplit("-", 1)[1])
        graph = ox.NamedNode(f"https://w3id.org/dataflywheel/synthetic/city-{number:04d}")
        for triple in ox.parse(path=name, format=ox.RdfFormat.TURTLE):
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)

store = ox.Store(sys.argv[1])
store.bulk_extend(quads())
store.flush()
print(len(store))
"""


def generator_key() -> str:
    """The cache's key: the generator's parameters and the source of the modules that shape
    its output."""
    digest = hashlib.sha256()
    for module in ("synth.py", "version.py", "vocab.py"):
        digest.update((Path(paths.__file__).parent / module).read_bytes())
    return f"a{ACTIONS}-s{SEED}-lines-{digest.hexdigest()[:10]}"


def city_file(folder: Path, number: int) -> Path:
    """The file `flywheel synth` writes for city ``number``."""
    return folder / f"synthetic-{number:04d}.ttl"


def _generate(job: tuple[int, str]) -> None:
    from kg.synth import synthetic_turtle

    number, folder = job
    target = city_file(Path(folder), number)
    partial = target.with_suffix(f".{os.getpid()}.part")
    # the file `flywheel synth` writes: one triple a line, prefixed names
    partial.write_text(synthetic_turtle(number, actions=ACTIONS, seed=SEED), encoding="utf-8")
    partial.replace(target)


def ensure_cities(cities: int) -> Path:
    """The cache folder holding at least ``cities`` cities (the missing ones written now)."""
    folder = CACHE / generator_key()
    folder.mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(1, cities + 1) if not city_file(folder, n).exists()]
    if missing:
        print(f"generating {len(missing)} cities into {folder} ...", flush=True)
        start = time.perf_counter()
        with ProcessPoolExecutor(usable_cores()) as pool:
            list(pool.map(_generate, [(n, str(folder)) for n in missing], chunksize=8))
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def first_cities(cache: Path, cities: int) -> Path:
    """A folder of links to the first ``cities`` cached files (what a user would name)."""
    folder = cache.parent / f"{cache.name}-first-{cities}"
    folder.mkdir(exist_ok=True)
    for n in range(1, cities + 1):
        link = city_file(folder, n)
        if not link.exists():
            link.symlink_to(city_file(cache, n))
    return folder


@dataclass(frozen=True)
class Run:
    """One measured subprocess."""

    seconds: float
    cpu_seconds: float  # user + system time of the process and every descendant it waited for
    peak_tree_mb: float  # the largest sum of VmRSS over the tree seen by the poll
    sum_of_peaks_mb: float  # the sum of each process's own VmHWM
    processes: int
    returncode: int
    stdout: str
    stderr: str


def _status(pid: int) -> dict[str, int]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {
        key: int(match.group(1))
        for key in ("VmRSS", "VmHWM")
        if (match := re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE))
    }


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def measure(
    command: list[str], env: dict[str, str] | None = None, limit_mb: float | None = None
) -> Run:
    """Run a command; its wall time and the peak memory of its process tree. With
    ``limit_mb``, the tree is killed (exit code -9) once its memory passes that."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env)
        peak_tree, hwm = 0, {}
        while process.poll() is None:
            tree = 0
            for pid in _descendants(process.pid):
                status = _status(pid)
                tree += status.get("VmRSS", 0)
                if "VmHWM" in status:
                    hwm[pid] = max(hwm.get(pid, 0), status["VmHWM"])
            peak_tree = max(peak_tree, tree)
            if limit_mb is not None and peak_tree / 1024 > limit_mb:
                for pid in _descendants(process.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, 9)
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            cpu,
            peak_tree / 1024,
            sum(hwm.values()) / 1024,
            len(hwm),
            process.returncode,
            out.read(),
            err.read(),
        )


def run_load(folder: Path, cities: int, jobs: int | None, work: Path) -> Run:
    store = work / f"store-{cities}-{jobs}"
    command = [str(FLYWHEEL), "load", str(folder), "--store", str(store)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    run = measure(command)
    expected = f"Loaded {cities} case(s) (0 replaced), refused 0, unreadable 0 file(s)."
    if run.returncode != 0 or expected not in run.stdout:
        raise SystemExit(f"flywheel load failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return run


def run_baseline(folder: Path, cities: int, work: Path) -> Run:
    store = work / f"raw-{cities}"
    files = [str(city_file(folder, n)) for n in range(1, cities + 1)]
    run = measure([sys.executable, "-c", BASELINE, str(store), *files])
    if run.returncode != 0:
        raise SystemExit(f"the baseline failed:\n{run.stderr}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--with-3000", action="store_true", help="also 3,000 cities (long)")
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[None],
        help="--jobs values to run the command with (default: the command's own default)",
    )
    args = parser.parse_args()
    sizes = sorted({*args.cities, *([3000] if args.with_3000 else [])})
    cache = ensure_cities(max(sizes))
    print(
        f"flywheel load, whole command, against raw pyoxigraph bulk_extend; {usable_cores()} "
        f"usable cores; load average {os.getloadavg()[0]:.1f} at the start",
        flush=True,
    )
    header = (
        f"{'cities':>6} {'what':<22} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} "
        f"{'sum-HWM MB':>10} {'procs':>5} {'x wall':>7} {'x CPU':>7} {'x peak':>7}"
    )
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="flywheel-bench-load-") as scratch:
        work = Path(scratch)
        for cities in sizes:
            folder = first_cities(cache, cities)
            base = run_baseline(folder, cities, work)
            print(
                f"{cities:>6} {'pyoxigraph bulk_extend':<22} {base.seconds:>8.1f} "
                f"{base.cpu_seconds:>8.1f} {base.peak_tree_mb:>8.0f} "
                f"{base.sum_of_peaks_mb:>10.0f} {base.processes:>5} {1:>7.2f} {1:>7.2f} {1:>7.2f}",
                flush=True,
            )
            for jobs in args.jobs:
                run = run_load(folder, cities, jobs, work)
                what = f"flywheel load -j {jobs}" if jobs else "flywheel load"
                print(
                    f"{cities:>6} {what:<22} {run.seconds:>8.1f} {run.cpu_seconds:>8.1f} "
                    f"{run.peak_tree_mb:>8.0f} {run.sum_of_peaks_mb:>10.0f} {run.processes:>5} "
                    f"{run.seconds / base.seconds:>7.1f} "
                    f"{run.cpu_seconds / base.cpu_seconds:>7.1f} "
                    f"{run.peak_tree_mb / base.peak_tree_mb:>7.1f}",
                    flush=True,
                )
            print(
                f"{'':>6} per city: flywheel load {run.seconds / cities:.2f} s "
                f"({run.cpu_seconds / cities:.2f} s CPU), "
                f"bulk_extend {base.seconds / cities * 1000:.0f} ms; "
                f"load average now {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
