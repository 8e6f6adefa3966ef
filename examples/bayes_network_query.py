"""Query a Bayesian network written the pgmpy way, as a string diagram of Markov kernels.

The classic sprinkler network (Pearl; Russell & Norvig)::

    cloudy -> sprinkler -> wet <- rain <- cloudy

is given as a DAG and one conditional probability table per variable, in pgmpy's
``TabularCPD`` layout (:class:`catlearn.probability.networks.bayesnet.CPT`). catlearn reads it as a string diagram
(each table a box ``Fin(|parents|) -> Fin(|v|)``, parents copied to every child; Fritz,
*A synthetic approach to Markov kernels*), and the script

1. asks exact queries by variable name and state name (``P(rain | wet)``, explaining away:
   ``P(sprinkler | wet)`` falls once ``rain`` is observed);
2. checks every answer against brute-force enumeration of the joint distribution in NumPy;
3. compiles the drawn diagram into the Markov category of finite kernels
   (``compile(diagram, arrows, into=Finite)``) and checks that it is the joint state;
4. recovers ``P(rain | wet)`` a third way, as the Bayesian inverse of the kernel
   ``P(wet | rain)`` at the prior ``P(rain)`` (Cho–Jacobs): ``invert(kernel, prior)``;
5. (full mode, when pgmpy is installed) compares answers and time per query with pgmpy's
   variable elimination.

Run: ``python examples/bayes_network_query.py`` (add ``--fast`` to skip pgmpy and drawing).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import jax
import numpy as np

import catlearn as cl
from catlearn.probability.networks.bayesnet import CPT, BayesNet

EDGES = [("cloudy", "sprinkler"), ("cloudy", "rain"), ("sprinkler", "wet"), ("rain", "wet")]
NO_YES = ["no", "yes"]
TABLES = {
    # values[state, parent configuration], the last parent varying fastest (pgmpy's layout)
    "cloudy": CPT([[0.5], [0.5]], state_names=NO_YES),
    "sprinkler": CPT([[0.5, 0.9], [0.5, 0.1]], evidence=["cloudy"], state_names=NO_YES),
    "rain": CPT([[0.8, 0.2], [0.2, 0.8]], evidence=["cloudy"], state_names=NO_YES),
    "wet": CPT(
        # parents (sprinkler, rain) = (no,no) (no,yes) (yes,no) (yes,yes)
        [[1.0, 0.1, 0.1, 0.01], [0.0, 0.9, 0.9, 0.99]],
        evidence=["sprinkler", "rain"],
        state_names=NO_YES,
    ),
}
QUERIES = [
    (["rain"], {"wet": "yes"}),
    (["sprinkler"], {"wet": "yes"}),
    (["sprinkler"], {"wet": "yes", "rain": "yes"}),  # explaining away
    (["cloudy"], {"wet": "yes"}),
    (["rain", "sprinkler"], {"wet": "yes"}),
    (["wet"], {}),
]


def brute_force(net: BayesNet, variables: list[str], evidence: dict[str, str]) -> np.ndarray:
    """P(variables | evidence) by summing the product of the tables over every assignment."""
    names = list(net.variables)
    post = np.zeros([net.cards[v] for v in variables])
    for states in itertools.product(*(range(net.cards[v]) for v in names)):
        s = dict(zip(names, states, strict=True))
        if any(s[v] != net.state_index(v, e) for v, e in evidence.items()):
            continue
        p = 1.0
        for v in names:
            cpt = np.asarray(TABLES[v].values, dtype=np.float64)
            col = 0
            for parent in TABLES[v].evidence:  # C order, last parent fastest
                col = col * net.cards[parent] + s[parent]
            p *= cpt[s[v], col]
        post[tuple(s[v] for v in variables)] += p
    return post / post.sum()


def main(fast: bool = False, out: str | Path = "catlearn-output") -> dict:
    """Run the queries and the checks; return the answers and the largest disagreement."""
    net = BayesNet(EDGES, TABLES)
    answers, worst = {}, 0.0
    for variables, evidence in QUERIES:
        got = np.asarray(net.query(variables, evidence))
        want = brute_force(net, variables, evidence)
        worst = max(worst, float(np.max(np.abs(got - want))))
        given = ", ".join(f"{k}={v}" for k, v in evidence.items())
        label = f"P({', '.join(variables)}{' | ' + given if given else ''})"
        answers[label] = got
        print(f"{label:<38} = {np.round(got.astype(float), 4).tolist()}")
    print(f"largest difference from brute-force enumeration: {worst:.2e}")
    assert worst < 1e-5, worst

    # The same network as a string diagram, compiled into finite Markov kernels.
    diagram, arrows = net.to_diagram()
    joint = cl.compile(diagram, arrows, into=cl.Finite)
    assert joint.allclose(net.joint()), "the compiled diagram is not the joint state"
    print(
        f"the diagram ({len(diagram.boxes)} boxes, {diagram.dom} -> {diagram.cod}) "
        "compiles to the joint state"
    )

    # Bayes' rule as Bayesian inversion: P(rain | wet) = (P(wet | rain))^dagger at P(rain).
    prior = cl.Finite.state(net.marginal("rain"))
    likelihood = net.conditional(["wet"], ["rain"])
    by_inversion = np.asarray(cl.invert(likelihood, prior).row(1))
    assert np.allclose(by_inversion, answers["P(rain | wet=yes)"], atol=1e-5)
    print(
        f"{'P(rain | wet=yes) by Bayesian inversion':<38} = "
        f"{np.round(by_inversion.astype(float), 4).tolist()}"
    )

    result = {"answers": answers, "max_abs_error": worst}
    if fast:
        return result

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cl.Diagram.draw(diagram, out / "sprinkler_network.png", figsize=(6, 8))
    print(f"diagram drawn to {out / 'sprinkler_network.png'}")

    # Time per query (a planned numpy float64 contraction; the plan is cached per signature).
    jax.block_until_ready(net.query(["rain"], {"wet": "yes"}))
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        jax.block_until_ready(net.query(["rain"], {"wet": "yes"}))
    ours = (time.perf_counter() - t0) / n
    result["seconds_per_query"] = ours
    print(f"catlearn: {ours * 1e6:.0f} µs per query P(rain | wet=yes)")

    try:
        from pgmpy.inference import VariableElimination
    except ImportError:
        print("pgmpy is not installed: skipping the comparison with pgmpy")
        return result
    infer = VariableElimination(net.to_pgmpy())
    theirs = infer.query(["rain"], evidence={"wet": "yes"}, show_progress=False).values
    assert np.allclose(theirs, answers["P(rain | wet=yes)"], atol=1e-5)
    m = 20
    t0 = time.perf_counter()
    for _ in range(m):
        infer.query(["rain"], evidence={"wet": "yes"}, show_progress=False)
    pg = (time.perf_counter() - t0) / m
    result["pgmpy_seconds_per_query"] = pg
    print(f"pgmpy:    {pg * 1e6:.0f} µs per query (same answer); ratio {pg / ours:.1f}x")
    return result


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
