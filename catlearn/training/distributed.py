r"""Multi-process data-parallel training with :mod:`jax.distributed`.

``fit(..., devices=jax.devices())`` builds a mesh over *every* device JAX knows; after
``jax.distributed.initialize`` that is the devices of all processes (hosts), so the same
``fit`` call is multi-process data parallelism: each process holds the same data arrays
and parameters (replicated), every device gathers its shard of each minibatch, and the
gradients are all-reduced across processes (``pmean`` inside ``shard_map``; over Gloo on
CPU, NCCL on GPU, ICI/DCN on TPU). Losses, history and final parameters are identical in
every process, and equal those of a single-process run up to floating-point summation
order.

**Launch on one machine** (CPU processes, e.g. to test; ``-n`` processes, a local
coordinator on 127.0.0.1)::

    python -m catlearn.training.distributed -n 2 train.py [args...]

starts ``train.py`` ``n`` times with ``CATLEARN_COORDINATOR``, ``CATLEARN_NUM_PROCESSES``
and ``CATLEARN_PROCESS_ID`` set; in ``train.py``, :func:`initialize` (before any other JAX
call) reads them. The launcher watches the ranks: when one exits with an error (or is
killed), it stops the others at once and exits non-zero, naming the rank and the end of its
stderr; a rank that exits without having called :func:`initialize` is an error too (it
would have run as an independent single-process job)::

    from catlearn.training import distributed, fit
    distributed.initialize()
    result = fit(model, params, (X, y), ..., devices=jax.devices(),
                 progress=jax.process_index() == 0)

**Multi-host GPU/TPU.** Run the same script once per host. On Cloud TPU, and under SLURM or
Open MPI, ``jax.distributed.initialize()`` finds the coordinator, the number of processes
and the process id by itself, so :func:`initialize` with no environment variables set just
calls it; elsewhere set the three variables above on every host (the coordinator is
``host0:port``, reachable from all hosts). ``jax.devices()`` then lists the accelerators
of all hosts, ``batch_size`` must be a multiple of their number, and only process 0
should write checkpoints (``if jax.process_index() == 0: checkpoint.save(...)``).

>>> sorted(ENV)
['coordinator', 'num_processes', 'process_id']
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import jax

from catlearn.errors import ArgumentValueError, LaunchError

__all__ = ["ENV", "initialize", "launch_local"]

ENV = {
    "coordinator": "CATLEARN_COORDINATOR",
    "num_processes": "CATLEARN_NUM_PROCESSES",
    "process_id": "CATLEARN_PROCESS_ID",
}
"""The environment variables :func:`initialize` reads (set by :func:`launch_local`)."""

_JOINED = "CATLEARN_LAUNCH_DIR"  # where initialize() leaves "<rank>.joined" for the launcher


def _env_int(name: str) -> int | None:
    """An integer environment variable, or a typed error naming it."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ArgumentValueError(
            f"Expected an integer in the environment variable {name}, got {raw!r}; set it to "
            f"e.g. {name}=2."
        ) from None


def initialize(
    coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None
) -> None:
    """``jax.distributed.initialize`` with arguments, else the ``CATLEARN_*`` variables of
    :data:`ENV`, else JAX's own cluster detection (Cloud TPU, SLURM, Open MPI). Call it
    once per process, before any other JAX computation."""
    coordinator = coordinator or os.environ.get(ENV["coordinator"])
    if num_processes is None:
        num_processes = _env_int(ENV["num_processes"])
    if process_id is None:
        process_id = _env_int(ENV["process_id"])
    if coordinator is None:
        jax.distributed.initialize()
        return
    if num_processes is None or process_id is None or not 0 <= process_id < num_processes:
        raise ArgumentValueError(
            f"Expected num_processes >= 1 and 0 <= process_id < num_processes with the "
            f"coordinator {coordinator!r}, got num_processes={num_processes!r}, "
            f"process_id={process_id!r}; set {ENV['num_processes']} and {ENV['process_id']}."
        )
    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )
    joined = os.environ.get(_JOINED)
    if joined:  # tell launch_local that this rank joined the group
        (Path(joined) / f"{process_id}.joined").touch()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _tail(text: str, lines: int = 20) -> str:
    rows = text.rstrip().splitlines()[-lines:]
    return "\n".join(f"    {r}" for r in rows) if rows else "    (no output on stderr)"


def launch_local(
    argv: Sequence[str], n: int, *, timeout: float | None = None, grace: float = 3.0
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``python argv...`` as ``n`` processes on this machine around a coordinator on
    127.0.0.1 (a free port); returns their completed processes (stdout/stderr captured),
    in process-id order, when every rank exits with 0 after calling :func:`initialize`.

    The ranks are watched while they run: as soon as one exits with an error, is killed,
    or exits without having called :func:`initialize`, the others are stopped (``SIGTERM``,
    then ``SIGKILL`` after ``grace`` seconds) and :class:`~catlearn.errors.LaunchError`
    names the rank, how it ended and the end of its stderr (its ``.results`` holds every
    rank's completed process). ``timeout`` (seconds) stops them all the same way.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArgumentValueError(
            f"Expected a number of processes n >= 1 (an int), got {n!r}; pass e.g. n=2."
        )
    with tempfile.TemporaryDirectory(prefix="catlearn-launch-") as tmp:
        env = dict(os.environ)
        env[ENV["coordinator"]] = f"127.0.0.1:{_free_port()}"
        env[ENV["num_processes"]] = str(n)
        env[_JOINED] = tmp
        procs, files = [], []
        try:
            for i in range(n):
                out = open(Path(tmp) / f"{i}.out", "w+")
                err = open(Path(tmp) / f"{i}.err", "w+")
                files.append((out, err))
                env_i = dict(env, **{ENV["process_id"]: str(i)})
                procs.append(
                    subprocess.Popen(
                        [sys.executable, *argv], env=env_i, stdout=out, stderr=err, text=True
                    )
                )
            failure = _watch(procs, Path(tmp), timeout)
            if failure is not None:
                _stop(procs, grace)
            results = []
            for p, (out, err) in zip(procs, files, strict=True):
                out.seek(0)
                err.seek(0)
                results.append(
                    subprocess.CompletedProcess(p.args, p.returncode, out.read(), err.read())
                )
        finally:
            _stop(procs, grace)
            for pair in files:
                for f in pair:
                    f.close()
    if failure is not None:
        rank, how = failure
        others = [i for i in range(n) if i != rank]
        what = f"rank {rank} {how}" if rank is not None else how
        detail = f":\n{_tail(results[rank].stderr)}\n" if rank is not None else ". "
        error = LaunchError(
            f"The launch of {n} processes failed: {what}{detail}"
            f"Stopped the other ranks {others}. Expected every rank to call "
            f"catlearn.training.distributed.initialize() and exit with 0; fix the error above."
        )
        error.results = results  # type: ignore[attr-defined]
        error.rank = rank  # type: ignore[attr-defined]
        raise error
    return results


def _watch(
    procs: list[subprocess.Popen[str]], joined: Path, timeout: float | None
) -> tuple[int | None, str] | None:
    """Poll the ranks until all exit (``None``) or one fails: ``(rank, how it ended)``."""
    start = time.monotonic()
    while True:
        codes = [p.poll() for p in procs]
        for i, code in enumerate(codes):
            if code is None:
                continue
            if code != 0:
                return i, _describe_exit(code)
            if not (joined / f"{i}.joined").exists():
                return i, (
                    "exited without calling catlearn.training.distributed.initialize(), so it "
                    "ran as an independent single-process job instead of joining the group"
                )
        if all(code is not None for code in codes):
            return None
        if timeout is not None and time.monotonic() - start > timeout:
            return None, f"the ranks were still running after the timeout of {timeout} s"
        time.sleep(0.05)


def _stop(procs: list[subprocess.Popen[str]], grace: float) -> None:
    """SIGTERM the ranks still running, then SIGKILL those left after ``grace`` seconds."""
    alive = [p for p in procs if p.poll() is None]
    for p in alive:
        p.terminate()
    end = time.monotonic() + grace
    for p in alive:
        try:
            p.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main(args: Sequence[str] | None = None) -> int:
    """``python -m catlearn.training.distributed -n N script.py [args...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m catlearn.training.distributed",
        description="Run a training script as N local processes joined by jax.distributed.",
    )
    parser.add_argument("-n", "--num-processes", type=int, default=2)
    parser.add_argument("script", nargs=argparse.REMAINDER)
    ns = parser.parse_args(args)
    if not ns.script:
        parser.error("expected a script to run")
    try:
        results, failure = launch_local(ns.script, ns.num_processes), None
    except LaunchError as e:
        results, failure = e.results, e  # type: ignore[attr-defined]
    for i, r in enumerate(results):
        for line in r.stdout.splitlines():
            print(f"[{i}] {line}")
    if failure is not None:
        print(f"[launcher] {failure}", file=sys.stderr)
        rank = failure.rank  # type: ignore[attr-defined]
        code = results[rank].returncode if rank is not None else 0
        return code if code and code > 0 else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
