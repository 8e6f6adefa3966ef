"""Benchmark functorial learning on the generated sentence task (catlearn.training.sentences).

* Accuracy: ``fit_functor`` on 1,600 sentence diagrams (12 distinct shapes, 43 shared boxes),
  test accuracy on 400 held-out sentences, vs a bag-of-words MLP (42 word counts -> hidden
  -> 2) with about the same number of parameters, trained by ``catlearn.training.fit`` with
  the same optimiser, batch size and epochs. Task ``subject`` (label = topic of the subject;
  the object's topic is random) and, without ``--quick``, task ``topic`` (all nouns share it).
* Epoch time over 2,000 diagrams (steady state, compile excluded) vs the bag-of-words epoch
  (goal <= 3x), for the fused epoch (one ``lax.scan`` with a ``lax.switch`` on the shape)
  and one jitted step per minibatch.
* Compile time (first epoch minus a steady epoch) against the number of distinct shapes
  (2, 6, 12: sentences with at most 0, 1, 2 adjectives per noun).

Every timing is measured in this run::

    python -m benchmarks.bench_functor [--quick]

writes ``benchmarks/results/functor.json`` and ``functor.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))

import jax  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from catlearn.diagrams import nn  # noqa: E402
from catlearn.diagrams.compiler import compile  # noqa: E402
from catlearn.training.functor import Functor, fit_functor  # noqa: E402
from catlearn.training.sentences import bag_of_words, sentence_data, sentences  # noqa: E402
from catlearn.training.train import evaluate, fit  # noqa: E402

LR, BATCH = 0.02, 64


def n_params(tree) -> int:
    return int(sum(np.size(x) for x in jax.tree_util.tree_leaves(tree)))


def time_functor(data, epochs: int, fused: bool = True, validation=None):
    """(first epoch incl. compile, median steady epoch, result), from one run's epoch times."""
    r = fit_functor(
        data,
        loss="softmax_cross_entropy",
        optimizer=optax.adam(LR),
        batch_size=BATCH,
        key=jax.random.key(0),
        progress=False,
        fused=fused,
        metric="accuracy",
        epochs=epochs,
        validation=validation,
    )
    return r.epoch_seconds[0], float(np.median(r.epoch_seconds[1:])), r


def time_bow(X, y, epochs: int, hidden: int, validation=None):
    """(first call incl. compile, median steady epoch, parameter count, test accuracy)."""
    model = compile(nn.MLP([X.shape[1], hidden, 2], activation="tanh", name="bow"))
    params = model.init(jax.random.key(0))
    kw = dict(
        loss="softmax_cross_entropy",
        optimizer=optax.adam(LR),
        batch_size=BATCH,
        progress=False,
        metric="accuracy",
    )
    t = time.perf_counter()
    r = fit(model, params, (X, y), epochs=1, key=jax.random.key(1), **kw)
    first = time.perf_counter() - t
    times = []
    for e in range(epochs - 1):  # the compiled epoch is cached: same model, loss, optimiser
        t = time.perf_counter()
        r = fit(
            model,
            r.params,
            (X, y),
            epochs=1,
            key=jax.random.key(2 + e),
            opt_state=r.opt_state,
            **kw,
        )
        times.append(time.perf_counter() - t)
    acc = None
    if validation is not None:
        acc = evaluate(model, r.params, validation, metric="accuracy")["accuracy"]
    return first, float(np.median(times)), n_params(params), acc


def task_row(task: str, epochs: int) -> dict:
    texts = sentences(2000, seed=0, task=task)
    data = sentence_data(2000, seed=0, task=task)
    train, test = data[:1600], data[1600:]
    _, _, r = time_functor(train, epochs, True, validation=test)
    p = n_params(r.params)
    hidden = max(1, round((p - 2) / 45))  # 42 h + h + 2 h + 2 parameters
    X = bag_of_words([w for w, _ in texts]).astype(np.float32)
    y = np.array([label for _, label in texts])
    _, _, bow_p, bow_acc = time_bow(X[:1600], y[:1600], epochs, hidden, (X[1600:], y[1600:]))
    return {
        "task": task,
        "epochs": epochs,
        "functor_params": p,
        "functor_test_accuracy": r.history["val_metric"][-1],
        "functor_train_accuracy": r.history["metric"][-1],
        "bow_hidden": hidden,
        "bow_params": bow_p,
        "bow_test_accuracy": bow_acc,
        "shapes": r.n_shapes,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer epochs, subject task only")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    epochs = 16 if args.quick else 40
    res: dict = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "jax": jax.__version__,
        "tasks": [],
        "timing": {},
        "compile": [],
    }
    for task in ["subject"] if args.quick else ["subject", "topic"]:
        res["tasks"].append(task_row(task, epochs))
        print(res["tasks"][-1], flush=True)
    # epoch and compile times over all 2,000 diagrams
    k = 4 if args.quick else 10
    texts = sentences(2000, seed=0)
    data = sentence_data(2000, seed=0)
    X = bag_of_words([w for w, _ in texts]).astype(np.float32)
    y = np.array([label for _, label in texts])
    p = n_params(Functor([d for d, _ in data]).init(jax.random.key(0)))
    hidden = max(1, round((p - 2) / 45))
    b_first, b_epoch, _, _ = time_bow(X, y, k, hidden)
    timing = {"bow_epoch_s": b_epoch, "bow_first_s": b_first}
    print("bow", b_first, b_epoch, flush=True)
    for fused in (True,) if args.quick else (True, False):
        first, epoch, r = time_functor(data, k, fused)
        name = "fused" if fused else "stepwise"
        timing[f"functor_{name}_epoch_s"] = epoch
        timing[f"functor_{name}_first_s"] = first
        timing[f"functor_{name}_ratio_to_bow"] = epoch / b_epoch
        print(name, first, epoch, flush=True)
        if fused:
            res["compile"].append(
                {
                    "max_adjectives": 2,
                    "shapes": r.n_shapes,
                    "compile_s": first - epoch,
                    "epoch_s": epoch,
                }
            )
    res["timing"] = timing
    for m in (0, 1):
        d = sentence_data(2000, seed=0, max_adjectives=m)
        first, epoch, r = time_functor(d, 3, True)
        res["compile"].append(
            {
                "max_adjectives": m,
                "shapes": r.n_shapes,
                "compile_s": first - epoch,
                "epoch_s": epoch,
            }
        )
        print(res["compile"][-1], flush=True)
    md = [
        "# Functorial learning: sentence task\n",
        f"CPU: {res['machine']}, {res['cpus']} cores, jax {res['jax']}; "
        f"quick={args.quick}. Adam lr {LR}, batch {BATCH}.\n",
        "| task | shapes | functor params | functor test acc | BoW params (hidden) "
        "| BoW test acc |",
        "|---|---|---|---|---|---|",
    ]
    for t in res["tasks"]:
        md.append(
            f"| {t['task']} | {t['shapes']} | {t['functor_params']} | "
            f"{t['functor_test_accuracy']:.3f} | {t['bow_params']} ({t['bow_hidden']}) "
            f"| {t['bow_test_accuracy']:.3f} |"
        )
    md += [
        "",
        "| epoch over 2,000 diagrams | seconds | ratio to BoW epoch (goal <= 3) |",
        "|---|---|---|",
        f"| bag-of-words MLP (fit) | {timing['bow_epoch_s']:.4f} | 1 |",
        f"| fit_functor, fused scan | {timing['functor_fused_epoch_s']:.4f} | "
        f"{timing['functor_fused_ratio_to_bow']:.2f} |",
        *(
            [
                f"| fit_functor, one step per batch | {timing['functor_stepwise_epoch_s']:.4f} | "
                f"{timing['functor_stepwise_ratio_to_bow']:.2f} |"
            ]
            if "functor_stepwise_epoch_s" in timing
            else []
        ),
        "",
        "| distinct shapes | compile s (first epoch - steady epoch) | s per shape |",
        "|---|---|---|",
    ]
    for c in sorted(res["compile"], key=lambda c: c["shapes"]):
        md.append(f"| {c['shapes']} | {c['compile_s']:.2f} | {c['compile_s'] / c['shapes']:.2f} |")
    text = "\n".join(md) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "functor.json").write_text(json.dumps(res, indent=2) + "\n")
        (RESULTS / "functor.md").write_text(text)
    return res


if __name__ == "__main__":
    main()
