"""Learning CPTs by gradient: maximum likelihood through the planned contraction
(``BayesNet.log_evidence`` differentiated in the tables) with optax."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from catlearn.probability.networks.bayesnet import sprinkler


@pytest.mark.slow
def test_sprinkler_cpts_recovered_from_20000_samples(x64):
    truth = sprinkler()
    data = truth.sample(jax.random.key(0), 20_000)
    logits0 = {v: jnp.zeros(t.shape) for v, t in truth.tables().items()}
    # the 20,000 rows hold 16 distinct configurations: weight each by its count
    rows = np.stack([data[v] for v in truth.variables], 1)
    uniq, counts = np.unique(rows, axis=0, return_counts=True)
    cases = {v: uniq[:, i] for i, v in enumerate(truth.variables)}
    weights = jnp.asarray(counts / counts.sum())

    def loss(logits):
        tables = {v: jax.nn.softmax(l, axis=-1) for v, l in logits.items()}
        return -(weights * truth.log_evidence(cases, tables=tables)).sum()

    opt = optax.adam(0.1)

    @jax.jit
    def step(logits, state):
        val, g = jax.value_and_grad(loss)(logits)
        upd, state = opt.update(g, state)
        return optax.apply_updates(logits, upd), state, val

    logits, state = logits0, opt.init(logits0)
    for _ in range(300):
        logits, state, val = step(logits, state)
    learned = truth.with_tables({v: jax.nn.softmax(l, axis=-1) for v, l in logits.items()})
    err = max(np.abs(learned.table(v) - truth.table(v)).max() for v in truth.variables)
    assert err < 0.02, err
    # the optimum is the counting estimate (complete data): check one table exactly
    c = np.asarray(data["Cloudy"])
    r = np.asarray(data["Rain"])
    mle = np.array([[np.mean(r[c == k] == s) for s in range(2)] for k in range(2)])
    np.testing.assert_allclose(learned.table("Rain"), mle, atol=2e-3)
    assert float(val) == pytest.approx(float(loss(logits)), abs=1e-3)
