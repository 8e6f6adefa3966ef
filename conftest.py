"""Doctest set-up for modules under catlearn/ (tests/ has its own conftest), and the suite's
time and memory budget (issue 26), for every run of ``pytest`` from the repository root:

* **memory**: each process that ran tests (each xdist worker, or the one process with
  ``-n 0``) reports its peak resident memory (``ru_maxrss``) at the end of the session; the
  session fails when one of them went over ``--max-worker-rss-gb`` (default 4, issue 26's
  budget). A test module ends by dropping JAX's compiled programs when its process is above
  ``--release-above-gb`` (``_release_compiled_code`` below): without that a worker kept every
  program of every module it ran, and the default run peaked at 4.4-4.5 GB per worker; dropping
  them after every module held it at 1.6-1.7 GB but recompiled what later modules share.
* **time**: a test (setup + call + teardown) of the profile being run that took more than
  ``--max-test-seconds`` (default 30; 0 turns the check off) is listed at the end. With
  ``--strict-time-budget`` it also fails the session unless the machine was overloaded when it
  finished (1-minute load average above twice the CPU count: the budget is for CI's machine
  class, 2 cores without other work). Report-only by default: wall time on a shared machine
  is noisy, and a flaky red CI teaches people to ignore it. ``soak`` tests are exempt: that
  profile is where the full sizes live.
"""

import ctypes
import ctypes.util
import gc
import os
import resource
import sys

os.environ.setdefault("MPLBACKEND", "Agg")
# The suite checks what programs compute, not how fast XLA's backend makes them: it compiles
# thousands of small programs, and LLVM's optimisation of each one is a third of its time on
# CI's 2 cores (a 69-test sample: 103 s at XLA's default level 3, 70 s at level 0). So the
# tests compile at backend level 0 unless XLA_FLAGS already names a level; run
# `XLA_FLAGS=--xla_backend_optimization_level=3 pytest` for the users' default. The benchmarks
# and the library itself never set it; the docs set it for the pages that time nothing
# (docs/conf.py).
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0"
    ).strip()

import jax
import jax.numpy as jnp
import pytest

_GB = 1024**3


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["jax"] = jax
    doctest_namespace["jnp"] = jnp


_LIBC = (
    ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6") if sys.platform == "linux" else None
)


def _current_rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # not Linux: count the peak instead
        return _peak_rss_bytes()


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_code(request):
    """After a test module, when the process holds more than ``--release-above-gb`` (default
    2.5): drop JAX's compiled executables and traces and hand the freed heap back to the system.
    A worker otherwise keeps every program of every module it ran (the growth that put the
    workers' peak resident memory above 4 GB, issue 26); releasing only above the threshold
    keeps the programs that later modules reuse while memory is low."""
    yield
    limit = request.config.getoption("release_above_gb")
    if limit >= 0 and _current_rss_bytes() > limit * _GB:
        jax.clear_caches()
        gc.collect()
        if _LIBC is not None:
            _LIBC.malloc_trim(0)


# --- time and memory budget ---------------------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("catlearn budget")
    group.addoption(
        "--max-test-seconds",
        type=float,
        default=30.0,
        help="fail the session when a non-soak test takes longer (0: off; default 30)",
    )
    group.addoption(
        "--strict-time-budget",
        action="store_true",
        help="fail the session (not only report) when a counted test is over the time budget",
    )
    group.addoption(
        "--release-above-gb",
        type=float,
        default=2.5,
        help="after a test module, drop JAX's compiled programs when the process is above this "
        "resident size (default 2.5; 0: after every module; -1: never)",
    )
    group.addoption(
        "--max-worker-rss-gb",
        type=float,
        default=4.0,
        help="fail the session when a test process's peak resident memory is higher (default 4)",
    )


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


class _Budget:
    """Controller-side record of the workers' peak memory and the slow tests."""

    def __init__(self, config):
        self.config = config
        self.peak_rss: dict[str, int] = {}
        self.durations: dict[str, float] = {}
        self.slow: dict[str, tuple[float, float]] = {}  # nodeid -> (seconds, load average)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        peak = getattr(node, "workeroutput", {}).get("catlearn_peak_rss")
        if peak is not None:
            self.peak_rss[node.gateway.id] = peak

    def pytest_runtest_logreport(self, report):
        if "soak" in report.keywords:
            return
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        limit = self.config.getoption("max_test_seconds")
        if report.when == "teardown" and limit and self.durations[report.nodeid] > limit:
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
            self.slow[report.nodeid] = (self.durations[report.nodeid], load)

    def overloaded(self, load: float) -> bool:
        return load > 2 * (os.cpu_count() or 1)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session):
        if not self.peak_rss:  # no xdist workers: this process ran the tests
            self.peak_rss["main"] = _peak_rss_bytes()
        limit_gb = self.config.getoption("max_worker_rss_gb")
        over_memory = any(v > limit_gb * _GB for v in self.peak_rss.values())
        over_time = self.config.getoption("strict_time_budget") and any(
            not self.overloaded(load) for _, load in self.slow.values()
        )
        if (over_memory or over_time) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        limit_gb = self.config.getoption("max_worker_rss_gb")
        tr.section("peak resident memory per test process")
        for name, peak in sorted(self.peak_rss.items()):
            flag = f"  OVER THE {limit_gb:g} GB BUDGET" if peak > limit_gb * _GB else ""
            tr.write_line(f"{name}: {peak / _GB:.2f} GB{flag}")
        if any(v > limit_gb * _GB for v in self.peak_rss.values()):
            tr.write_line(
                f"the session fails: a test process went over {limit_gb:g} GB resident; bound "
                "the test's sizes (or its hypothesis strategy), or move it to the soak profile",
                red=True,
            )
        limit_s = self.config.getoption("max_test_seconds")
        if self.slow:
            tr.section(f"tests over the {limit_s:g} s budget (setup + call + teardown)")
            for nodeid, (seconds, load) in sorted(self.slow.items(), key=lambda kv: -kv[1][0]):
                note = (
                    f"not counted: 1-min load {load:.1f} on {os.cpu_count()} CPUs"
                    if self.overloaded(load)
                    else "counted: shrink it, or move its full size to the soak profile"
                )
                tr.write_line(f"{seconds:7.1f} s  {nodeid}  ({note})")
            if any(not self.overloaded(load) for _, load in self.slow.values()):
                strict = self.config.getoption("strict_time_budget")
                tr.write_line(
                    "the session fails: a counted test is over the time budget"
                    if strict
                    else "a counted test is over the time budget (report only; "
                    "--strict-time-budget fails the session)",
                    red=strict,
                )


def pytest_configure(config):
    if hasattr(config, "workerinput") or config.option.collectonly:
        return  # an xdist worker reports to the controller at the end; nothing runs here
    config.pluginmanager.register(_Budget(config), "catlearn-budget")


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["catlearn_peak_rss"] = _peak_rss_bytes()
