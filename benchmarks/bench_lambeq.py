"""Benchmark lambeq's sentence-classification tasks (MC, RP): catlearn's tensor semantics vs
lambeq's own classical pipeline.

Both sides learn the same model: the tensor ansatz with ``n = s = 2`` dimensions on the
pregroup diagrams of the sentences (types as lambeq's Bobcat assigns them, reduced by a
lexicon and a greedy pregroup parser on both sides: no network), lambeq's initialisation,
binary cross-entropy on the logits against ``[t, 1 - t]``, AdamW (learning rate 3e-2,
weight decay 0.01), 30 epochs, batch 30, shuffled per epoch. Accuracy is lambeq's tutorial
metric (``round(sigmoid(y)) == label`` per entry) on the test file, over the same seeds.

* catlearn: :func:`catlearn.training.tensor.fit_tensor` (one jitted ``lax.scan`` over all
  steps; compiled once per task and reused by the other seeds). *Whole fit* is the first
  seed's fit including tracing and XLA compilation; *epoch* is the steady-state time per epoch
  (compilation excluded), the median over seeds.
* lambeq: ``PytorchModel`` + ``PytorchTrainer`` (``BCEWithLogitsLoss``, ``torch.optim.AdamW``)
  in a separate virtual environment (lambeq pulls in torch; it is never a catlearn
  dependency). It runs as a subprocess of this script (``--lambeq-worker``); *whole fit* is
  ``trainer.fit`` (median over seeds), *epoch* that divided by the epochs (lambeq compiles
  nothing). No validation set is passed to either fit.
* shared initialisations: the lambeq worker also returns, per seed, lambeq's initial weights
  and its batch order per epoch (recorded in the fit; for the seeds past ``--seeds`` up to
  ``--many-seeds``, drawn as ``PytorchTrainer`` and ``Dataset`` draw them, without training),
  and catlearn trains from exactly those (``fit_tensor(params=..., shuffle=orders)``): the
  rows say how many seeds end with lambeq's accuracy, how far apart the test logits end, and
  the accuracy over lambeq's first ``--many-seeds`` initialisations.

Run from the repository root::

    python benchmarks/bench_lambeq.py [--seeds 20] [--lambeq-python /tmp/lambeq-venv/bin/python]

It writes ``benchmarks/results/lambeq.json`` and ``lambeq.md``. Without a lambeq interpreter
it reports catlearn's numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATA = HERE.parent / "catlearn" / "training" / "data" / "lambeq"  # shipped with catlearn

EPOCHS, BATCH, LR, DECAY, DIM = 30, 30, 3e-2, 0.01, 2
FILES = {
    "mc": ("mc_train_data.txt", "mc_test_data.txt"),
    "rp": ("rp_train_data.txt", "rp_test_data.txt"),
}


# --- the lambeq side (runs in lambeq's own environment; imports nothing from catlearn) -------


def _lambeq_parse(tokens, lexicon, target, grammar):
    """The greedy shift-reduce reduction of catlearn.diagrams.pregroup.parse, in lambeq."""
    import functools
    import itertools
    import operator

    def prod(unit, xs):
        return functools.reduce(operator.matmul, xs, unit)

    for types in itertools.product(*(lexicon(t) for t in tokens)):
        atoms = [a for ty in types for a in ty]
        stack, links = [], []
        for j, a in enumerate(atoms):
            if stack and atoms[stack[-1]].r == a:
                links.append((stack.pop(), j))
            else:
                stack.append(j)
        if prod(grammar.Ty(), [atoms[i] for i in stack]) != target:
            continue
        d = prod(grammar.Id(), [grammar.Word(w, ty) for w, ty in zip(tokens, types)])
        alive = list(range(len(atoms)))
        for i, j in links:
            k = alive.index(i)
            rest = [atoms[p] for p in alive]
            left = prod(grammar.Ty(), rest[:k])
            right = prod(grammar.Ty(), rest[k + 2 :])
            d = d >> (grammar.Id(left) @ grammar.Cup(atoms[i], atoms[j]) @ grammar.Id(right))
            del alive[k : k + 2]
        return d
    raise ValueError(f"no parse for {tokens}")


def _shuffled(n: int, random: Any) -> list[int]:
    """An epoch's order as lambeq's ``Dataset.shuffle_data`` draws it (``random.shuffle``)."""
    order = list(range(n))
    random.shuffle(order)
    return order


def lambeq_worker(task: str, seeds: int, verbs: list[str], many: int = 0) -> dict:
    """Train lambeq's classical pipeline on ``task`` for ``seeds`` seeds; print JSON. Also
    lambeq's initial weights and batch orders of those seeds and of the seeds up to ``many``
    (not trained here: drawn as ``PytorchTrainer`` and ``Dataset`` draw them)."""
    import random

    import torch
    from lambeq import AtomicType, Dataset, PytorchModel, PytorchTrainer, TensorAnsatz
    from lambeq.backend import grammar
    from lambeq.backend.tensor import Dim

    n, s = AtomicType.NOUN, AtomicType.SENTENCE
    tv = n.r @ s @ n.l
    if task == "mc":
        kinds = {
            **{
                key: [n]
                for key in "woman person man software sauce meal program dinner application".split()
            },
            **{key: [n @ n.l] for key in "skillful useful tasty".split()},
            **{key: [tv] for key in "prepares debugs cooks bakes runs".split()},
        }
        target = s
    else:
        kinds = {v: [tv] for v in verbs}
        kinds["that"] = [n.r @ n @ n.l.l @ s.l, n.r @ n @ s.l @ n]
        target = n

    def lexicon(word: str) -> list:
        return kinds.get(word, [n])

    def read(name: str) -> tuple[list, list]:
        ds, ys = [], []
        for line in (DATA / name).read_text().splitlines():
            if line.strip():
                t, *tokens = line.split()
                tokens = [w for w in tokens if w != "."]
                ds.append(_lambeq_parse(tokens, lexicon, target, grammar))
                ys.append([int(t), 1 - int(t)])
        return ds, ys

    train, y_train = read(FILES[task][0])
    test, y_test = read(FILES[task][1])
    ansatz = TensorAnsatz({n: Dim(DIM), s: Dim(DIM)})
    train_c, test_c = [ansatz(d) for d in train], [ansatz(d) for d in test]
    accs, fits, shared = [], [], []
    ids = {id(d): i for i, d in enumerate(train_c)}
    orders: list[list[int]] = []
    shuffle = Dataset.shuffle_data

    def recorded(data: list, targets: list) -> tuple[list, list]:  # the batch order of an epoch
        out = shuffle(data, targets)
        orders.append([ids[id(d)] for d in out[0]])
        return out

    Dataset.shuffle_data = staticmethod(recorded)  # type: ignore[method-assign]
    for seed in range(seeds):
        model = PytorchModel.from_diagrams(train_c + test_c)
        trainer = PytorchTrainer(
            model=model,
            loss_function=torch.nn.BCEWithLogitsLoss(),
            optimizer=torch.optim.AdamW,
            learning_rate=LR,
            epochs=EPOCHS,
            verbose="suppress",
            seed=seed,
        )
        init = {str(k): w.detach().double().tolist() for k, w in zip(model.symbols, model.weights)}
        data = Dataset(train_c, y_train, batch_size=BATCH)
        orders.clear()
        t0 = time.perf_counter()
        trainer.fit(data)
        fits.append(time.perf_counter() - t0)
        with torch.no_grad():
            y = model(test_c)
        acc = torch.eq(torch.round(torch.sigmoid(y)), torch.tensor(y_test)).double().mean()
        accs.append(float(acc))
        shared.append({"init": init, "orders": list(orders), "test_logits": y.double().tolist()})
        random.seed(seed)  # the orders are python's random.shuffle, seeded by the trainer
        assert orders == [_shuffled(len(train_c), random) for _ in orders]
    model = PytorchModel.from_diagrams(train_c + test_c)
    for seed in range(seeds, many):  # the same draws, without training
        PytorchTrainer(model, torch.nn.BCEWithLogitsLoss(), EPOCHS, verbose="suppress", seed=seed)
        init = {str(k): w.detach().double().tolist() for k, w in zip(model.symbols, model.weights)}
        perms = [_shuffled(len(train_c), random) for _ in range(EPOCHS)]
        shared.append({"init": init, "orders": perms})
    return {"accuracy": accs, "fit_s": fits, "torch": torch.__version__, "shared": shared}


# --- the catlearn side ---------------------------------------------------------------------


def catlearn_side(task: str, seeds: int, many: int) -> dict:
    """catlearn's fits from its own initialisation (``TensorAnsatz``'s default, small), and over
    ``many`` seeds also from lambeq's scale (``init_scale=None``); MC's dev accuracy too (the
    set on which the default ``init_scale`` was chosen)."""
    sys.path.insert(0, str(HERE.parent))
    import jax

    from catlearn.training.ansatz import TensorAnsatz
    from catlearn.training.lambeq_tasks import read_mc, read_rp
    from catlearn.training.tensor import TensorModel, accuracy, fit_tensor

    read = read_mc if task == "mc" else read_rp
    t0 = time.perf_counter()
    train, y_train = read(DATA / FILES[task][0])
    test, y_test = read(DATA / FILES[task][1])
    dev, y_dev = read(DATA / "mc_dev_data.txt") if task == "mc" else ([], None)
    parse_s = time.perf_counter() - t0
    out: dict[str, Any] = {"parse_s": parse_s}
    for init_scale in (TensorAnsatz({"n": DIM}).init_scale, None):
        model = TensorModel(
            train + test + dev, TensorAnsatz({"n": DIM, "s": DIM}, init_scale=init_scale)
        )
        accs, devs, fits, epochs, losses = [], [], [], [], []
        for seed in range(seeds if init_scale is not None else 0):
            r = fit_tensor(
                model, train, y_train, key=jax.random.key(seed), epochs=EPOCHS, batch_size=BATCH
            )
            accs.append(accuracy(model, r.params, test, y_test))
            fits.append(r.fit_seconds)
            epochs.append(r.epoch_seconds)
            losses.append([float(v) for v in r.losses])
        for seed in range(len(accs), many):
            params = fit_tensor(model, train, y_train, key=jax.random.key(seed)).params
            accs.append(accuracy(model, params, test, y_test))
            if dev:
                devs.append(accuracy(model, params, dev, y_dev))
        if init_scale is None:
            out["lambeq_scale"] = {"accuracy_many_seeds": accs, "dev_accuracy_many_seeds": devs}
            continue
        out.update(
            init_scale=init_scale,
            accuracy=accs[:seeds],
            accuracy_many_seeds=accs,
            fit_s=fits,
            epoch_s=epochs,
            shapes=len({model.shape(d) for d in train}),
            losses_seed0=losses[0],
        )
        if dev:  # the dev accuracy of the seeds past the first ``seeds`` (not timed)
            out["dev_accuracy_many_seeds"] = devs
    return out


def shared_side(task: str, shared: list[dict]) -> dict:
    """catlearn's fit from lambeq's initial weights and batch orders, seed by seed."""
    sys.path.insert(0, str(HERE.parent))
    import jax
    import numpy as np

    from catlearn.training.ansatz import TensorAnsatz
    from catlearn.training.lambeq_tasks import read_mc, read_rp
    from catlearn.training.tensor import TensorModel, accuracy, fit_tensor

    read = read_mc if task == "mc" else read_rp
    train, y_train = read(DATA / FILES[task][0])
    test, y_test = read(DATA / FILES[task][1])
    model = TensorModel(train + test, TensorAnsatz({"n": DIM, "s": DIM}))
    accs, gaps = [], []
    for run in shared:
        params = from_lambeq(model, run["init"])
        r = fit_tensor(
            model, train, y_train, key=jax.random.key(0), params=params, shuffle=run["orders"]
        )
        accs.append(accuracy(model, r.params, test, y_test))
        if "test_logits" in run:  # a seed lambeq trained: how close the two fits end
            y = np.asarray(model(r.params, test))
            gaps.append(float(np.abs(y - run["test_logits"]).max()))
    return {"accuracy": accs[: len(gaps)], "accuracy_many_seeds": accs, "max_test_logit_gap": gaps}


def from_lambeq(model, weights: dict) -> dict:
    """catlearn's word tables from lambeq's weights (``{symbol name: flat list}``, the symbol
    of a word being ``f"{name}__{cod}"`` with ``@`` unspaced, as lambeq's ansatz names it)."""
    import jax.numpy as jnp
    import numpy as np

    tables: dict = {}
    for (name, _, cod), (sig, row) in model.index.items():
        w = np.asarray(weights[f"{name}__{str(cod).replace(' @ ', '@')}"])
        shape = model.ansatz.factors(model.boxes[sig]).shapes[0]
        tables.setdefault(sig, {})[row] = w.reshape(shape)
    return {k: (jnp.asarray(np.stack([t[i] for i in range(len(t))])),) for k, t in tables.items()}


def _stats(xs: list[float]) -> tuple[float, float]:
    return statistics.fmean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--tasks", default="mc,rp")
    ap.add_argument(
        "--many-seeds", type=int, default=200, help="catlearn's accuracy also over this many seeds"
    )
    ap.add_argument("--lambeq-python", default="/tmp/lambeq-venv/bin/python")
    ap.add_argument("--lambeq-worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--reuse-lambeq",
        default=None,
        help="take lambeq's side from an earlier results JSON (same seeds and settings)",
    )
    args = ap.parse_args(argv)
    verbs_file = HERE.parent / "catlearn" / "training" / "lambeq_tasks.py"
    if args.lambeq_worker:
        verbs = _rp_verbs(verbs_file)
        print(json.dumps(lambeq_worker(args.lambeq_worker, args.seeds, verbs, args.many_seeds)))
        return {}
    rows: dict[str, dict] = {}
    for task in args.tasks.split(","):
        ours = catlearn_side(task, args.seeds, args.many_seeds)
        theirs = None
        if args.reuse_lambeq:
            theirs = json.loads(Path(args.reuse_lambeq).read_text())["tasks"][task]["lambeq"]
            theirs = dict(theirs, reused_from=args.reuse_lambeq)
        elif Path(args.lambeq_python).exists():
            cmd = [
                args.lambeq_python,
                __file__,
                "--lambeq-worker",
                task,
                "--seeds",
                str(args.seeds),
                "--many-seeds",
                str(args.many_seeds),
            ]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if out.returncode == 0:
                theirs = json.loads(out.stdout.strip().splitlines()[-1])
            else:
                theirs = {"error": out.stderr[-2000:]}
        if theirs and "shared" in theirs:
            ours["shared_init"] = shared_side(task, theirs.pop("shared"))
        rows[task] = {"catlearn": ours, "lambeq": theirs}
    res = {
        "settings": {
            "epochs": EPOCHS,
            "batch": BATCH,
            "lr": LR,
            "weight_decay": DECAY,
            "dim": DIM,
            "seeds": args.seeds,
        },
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg()[0],
        "tasks": rows,
    }
    md = _markdown(res)
    print(md)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lambeq.json").write_text(json.dumps(res, indent=2) + "\n")
    (RESULTS / "lambeq.md").write_text(md + "\n")
    return res


def _rp_verbs(path: Path) -> list[str]:
    """RP's verbs, read from catlearn's lexicon module as text (lambeq's side has no jax)."""
    src = path.read_text()
    start = src.index("RP_VERBS = tuple(")
    body = src[start : src.index(".split()", start)]
    return body.split('"""')[1].split()


def _markdown(res: dict) -> str:
    lines = [
        "| task | side | test accuracy (mean ± std) | whole fit (s) | epoch after compile (s) |",
        "|---|---|---|---|---|",
    ]
    for task, row in res["tasks"].items():
        ours, theirs = row["catlearn"], row["lambeq"]
        m, s = _stats(ours["accuracy"])
        ep = statistics.median(ours["epoch_s"])
        lines.append(
            f"| {task} | catlearn | {m:.3f} ± {s:.3f} | {ours['fit_s'][0]:.2f} (first, with "
            f"compile); {statistics.median(ours['fit_s'][1:] or ours['fit_s']):.3f} (others) | "
            f"{ep:.2e} |"
        )
        for label, side in (
            (f"catlearn (init_scale={ours.get('init_scale')})", ours),
            ("catlearn, lambeq's initial scale (init_scale=None)", ours.get("lambeq_scale")),
        ):
            many = (side or {}).get("accuracy_many_seeds", [])
            if len(many) > len(ours["accuracy"]):
                mm, ms = _stats(many)
                dev = side.get("dev_accuracy_many_seeds")  # type: ignore[union-attr]
                dev_s = f"; dev set {_stats(dev)[0]:.3f} over {len(dev)} seeds" if dev else ""
                lines.append(
                    f"| {task} | {label}, {len(many)} seeds | {mm:.3f} ± {ms:.3f} "
                    f"(standard error {ms / len(many) ** 0.5:.3f}){dev_s} | | |"
                )
        if "shared_init" in ours:
            sm, ss = _stats(ours["shared_init"]["accuracy"])
            same = sum(a == b for a, b in zip(ours["shared_init"]["accuracy"], theirs["accuracy"]))
            gap = max(ours["shared_init"]["max_test_logit_gap"])
            lines.append(
                f"| {task} | catlearn from lambeq's initial weights and batch orders | "
                f"{sm:.3f} ± {ss:.3f} ({same} of {len(theirs['accuracy'])} seeds equal to "
                f"lambeq's; test logits within {gap:.1e}) | | |"
            )
            many = ours["shared_init"]["accuracy_many_seeds"]
            if len(many) > len(ours["shared_init"]["accuracy"]):
                mm, ms = _stats(many)
                lines.append(
                    f"| {task} | catlearn from lambeq's initial weights and batch orders, "
                    f"{len(many)} seeds | {mm:.3f} ± {ms:.3f} (standard error "
                    f"{ms / len(many) ** 0.5:.3f}) | | |"
                )
        if theirs and "accuracy" in theirs:
            lm, ls = _stats(theirs["accuracy"])
            lfit = statistics.median(theirs["fit_s"])
            lines.append(
                f"| {task} | lambeq | {lm:.3f} ± {ls:.3f} | {lfit:.2f} | {lfit / EPOCHS:.2e} |"
            )
            lines.append(
                f"| {task} | ratio catlearn/lambeq | {m - lm:+.3f} (difference) | "
                f"{ours['fit_s'][0] / lfit:.3f} | {ep / (lfit / EPOCHS):.4f} |"
            )
        else:
            lines.append(
                f"| {task} | lambeq | not run ({(theirs or {}).get('error', 'no interpreter')[-200:]!r}) | | |"
            )
    s = res["settings"]
    lines.append("")
    lines.append(
        f"Tensor ansatz n = s = {s['dim']}, {s['epochs']} epochs, batch {s['batch']}, AdamW "
        f"{s['lr']} (decay {s['weight_decay']}), {s['seeds']} seeds; load average "
        f"{res['load']:.1f}."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
