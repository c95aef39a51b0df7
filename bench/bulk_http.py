"""`POST /cases` with many synthetic cities in one N-Quads body, against a real `flywheel serve`
over a new on-disk store: the request's wall time, and the peak memory of the server's process
tree (the server and its query workers, polled from /proc as bench/load_command.py does) while
it takes the cases; next to the body's size, which the server never holds whole.

The body is the cities as bench/union.py prepares them (each case's quads, without its catalog
entry), one after another.

    python bench/bulk_http.py --cities 300
"""

from __future__ import annotations

import argparse
import gzip
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # its api.py is no package
sys.path.append(str(HERE))
from load_command import FLYWHEEL, _descendants, _status  # noqa: E402
from union import prepared  # noqa: E402

CATALOG_LINE_END = b"<https://w3id.org/dataflywheel/catalog> .\n"


def body_file(cities: int, target: Path) -> int:
    """The cities' case graphs as one N-Quads file; its size."""
    with target.open("wb") as out:
        for _iri, _source, path in prepared(cities):
            for line in gzip.decompress(path.read_bytes()).splitlines(keepends=True):
                if not line.endswith(CATALOG_LINE_END):
                    out.write(line)
    return target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=300)
    args = parser.parse_args()
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="flywheel-bench-bulk-") as scratch:
        work = Path(scratch)
        size = body_file(args.cities, work / "body.nq")
        port = 20000 + secrets.randbelow(20000)
        env = {
            **os.environ,
            "FLYWHEEL_STORE": str(work / "store"),
            "FLYWHEEL_API_TOKEN": token,
            "FLYWHEEL_MAX_BULK_BYTES": str(size + 1),
        }
        with (work / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [str(FLYWHEEL), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            peak = 0
            done = threading.Event()

            def poll() -> None:
                nonlocal peak
                while not done.is_set():
                    tree = sum(_status(pid).get("VmRSS", 0) for pid in _descendants(server.pid))
                    peak = max(peak, tree)
                    time.sleep(0.05)

            before = sum(_status(pid).get("VmRSS", 0) for pid in _descendants(server.pid))
            watcher = threading.Thread(target=poll, daemon=True)
            watcher.start()
            start = time.perf_counter()
            with (work / "body.nq").open("rb") as body:
                answer = httpx.post(
                    f"{url}/cases",
                    content=iter(lambda: body.read(1 << 20), b""),
                    headers={
                        "Content-Type": "application/n-quads",
                        "Authorization": f"Bearer {token}",
                    },
                    timeout=None,
                )
            seconds = time.perf_counter() - start
            done.set()
            watcher.join()
            result = answer.json()
            print(
                f"{args.cities} cities, body {size / 1e6:.0f} MB: {answer.status_code}, loaded "
                f"{result.get('loaded')}, refused {result.get('refused')} in {seconds:.0f} s "
                f"({seconds / args.cities:.2f} s a case); server tree {before / 1024:.0f} MB "
                f"before, peak {peak / 1024:.0f} MB; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
