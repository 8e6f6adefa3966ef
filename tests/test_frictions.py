"""Issue 22, the frictions a new user met: each one probed as the issue describes it.

Layers take the box they follow (README: "take the box they follow"), GP kernels are
importable from their area, and the messages point the right way: batch evidence given one
state, an out-of-range label in ``fit_functor``, an unknown word in ``parse``, drawing what
``BayesNet.to_diagram`` returns.
"""

from __future__ import annotations

import jax
import optax
import pytest

import catlearn as cl
from catlearn.core.types import Euclid
from catlearn.diagrams import nn, vision
from catlearn.diagrams.diagram import Box, draw
from catlearn.errors import (
    ArgumentTypeError,
    DataError,
    DiagramError,
    MissingBoxError,
    ShapeError,
    SupportError,
    UnknownAttributeError,
)


def test_layers_take_the_box_they_follow():
    conv = nn.Conv2D((8, 8, 1), 16, 3, name="c1")
    pool = nn.MaxPool2D(conv, 2)
    conv2 = nn.Conv2D(pool, 32, name="c2")
    assert (conv2.dom, conv2.cod) == (Euclid(4, 4, 16), Euclid(4, 4, 32))
    flat = nn.Flatten(conv >> pool)  # a diagram too
    assert flat.cod == Euclid(256) and flat == vision.Flatten(pool)
    head = nn.Linear(flat, 10, name="head")
    assert head.dom == Euclid(256)
    model = cl.diagrams.compiler.compile(
        conv >> pool >> conv2 >> nn.Flatten(conv2) >> nn.Linear(512, 2)
    )
    assert model.cod == Euclid(2)
    with pytest.raises(DiagramError, match="one real output wire"):
        nn.Flatten(Box("two", Euclid(1), Euclid(2) @ Euclid(3)))


def test_gp_kernels_are_exported_from_their_area():
    from catlearn.probability.inference import gp

    for name in ("RBF", "Matern32", "Matern52", "Periodic", "GaussianProcess", "fit_gp"):
        assert getattr(cl.probability, name) is getattr(gp, name)
        assert getattr(cl.probability.inference, name) is getattr(gp, name)
    with pytest.raises(UnknownAttributeError, match=r"catlearn\.probability"):
        _ = cl.RBF


def test_batch_evidence_given_one_state_names_the_state_and_the_fix():
    from catlearn.probability.networks.bayesnet import asia

    with pytest.raises(
        ShapeError, match=r"got 'yes'; for one case wrap it in a list, e\.g\. \['yes'\]"
    ):
        asia().log_evidence({"xray": "yes"})


def test_fit_functor_out_of_range_label_names_the_label_not_the_learning_rate():
    from catlearn.training.functor import fit_functor
    from catlearn.training.sentences import sentence_data

    data = sentence_data(2, seed=1, dim=3, hidden=4, max_adjectives=0)
    with pytest.raises(SupportError, match=r"labels in 0\.\.1 .* got 7 at example 0") as info:
        fit_functor([(d, 7) for d, _ in data], loss="softmax_cross_entropy",
                    optimizer=optax.sgd(0.1), key=jax.random.key(0), progress=False)  # fmt: skip
    assert "learning rate" not in str(info.value)


def test_parse_names_the_unknown_word():
    from catlearn.diagrams.pregroup import Pregroup, parse
    from catlearn.training import sentences

    with pytest.raises(DataError, match="unknown word 'unicorn'"):
        sentences.parse("big unicorn sees car")
    with pytest.raises(DataError, match="unknown words 'unicorn', 'zebra'"):
        sentences.parse("big unicorn sees zebra")
    n, s = Pregroup("n"), Pregroup("s")
    lex = {"man": n, "meal": n, "tasty": n @ n.l, "cooks": n.r @ s @ n.l}
    assert parse("man cooks tasty meal", lex) == parse("man cooks tasty meal".split(), lex)
    with pytest.raises(MissingBoxError, match="got 'big'"):  # the word, not its first letter
        parse("big unicorn sees car", lex)


def test_drawing_what_to_diagram_returns_points_to_its_diagram(tmp_path):
    from catlearn.probability.networks.bayesnet import sprinkler

    pair = sprinkler().to_diagram()
    with pytest.raises(ArgumentTypeError, match=r"tuple whose item 0 is a Diagram: draw that item"):
        draw(pair, tmp_path / "net.png")
    with pytest.raises(ArgumentTypeError, match="build one from boxes"):
        draw(3, tmp_path / "x.png")
