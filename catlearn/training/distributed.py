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
call) reads them::

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
import socket
import subprocess
import sys
from collections.abc import Sequence

import jax

from catlearn.errors import ArgumentValueError

__all__ = ["ENV", "initialize", "launch_local"]

ENV = {
    "coordinator": "CATLEARN_COORDINATOR",
    "num_processes": "CATLEARN_NUM_PROCESSES",
    "process_id": "CATLEARN_PROCESS_ID",
}
"""The environment variables :func:`initialize` reads (set by :func:`launch_local`)."""


def initialize(
    coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None
) -> None:
    """``jax.distributed.initialize`` with arguments, else the ``CATLEARN_*`` variables of
    :data:`ENV`, else JAX's own cluster detection (Cloud TPU, SLURM, Open MPI). Call it
    once per process, before any other JAX computation."""
    coordinator = coordinator or os.environ.get(ENV["coordinator"])
    if num_processes is None and ENV["num_processes"] in os.environ:
        num_processes = int(os.environ[ENV["num_processes"]])
    if process_id is None and ENV["process_id"] in os.environ:
        process_id = int(os.environ[ENV["process_id"]])
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch_local(
    argv: Sequence[str], n: int, *, timeout: float | None = None
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``python argv...`` as ``n`` processes on this machine around a coordinator on
    127.0.0.1 (a free port); returns their completed processes (stdout/stderr captured),
    in process-id order."""
    if not isinstance(n, int) or n < 1:
        raise ArgumentValueError(f"Expected a number of processes n >= 1, got {n!r}.")
    env = dict(os.environ)
    env[ENV["coordinator"]] = f"127.0.0.1:{_free_port()}"
    env[ENV["num_processes"]] = str(n)
    procs = []
    for i in range(n):
        env_i = dict(env, **{ENV["process_id"]: str(i)})
        procs.append(
            subprocess.Popen(
                [sys.executable, *argv],
                env=env_i,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    done = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return done


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
    results = launch_local(ns.script, ns.num_processes)
    for i, r in enumerate(results):
        for line in r.stdout.splitlines():
            print(f"[{i}] {line}")
        if r.returncode:
            print(f"[{i}] exited with {r.returncode}:\n{r.stderr}", file=sys.stderr)
    return max(r.returncode for r in results)


if __name__ == "__main__":
    raise SystemExit(main())
