"""The docs' reference rules: only external types may stay unresolved (nitpicky mode), and
private bases are not shown. (The build itself, ``bash .ci/docs``, is ``sphinx-build -W -n``.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))
import catlearn_refs


def _ignored(typ: str, target: str) -> bool:
    return any(
        re.fullmatch(a, typ) and re.fullmatch(b, target)
        for a, b in catlearn_refs.NITPICK_IGNORE_REGEX
    )


@pytest.mark.parametrize(
    "target",
    [
        "jax.Array",
        "jax.jaxlib._jax.Array",
        "numpy.ndarray",
        "collections.abc.Callable",
        "optax._src.base.GradientTransformation",
        "networkx.classes.digraph.DiGraph",
        "int",
        "dict[str",
    ],
)
def test_external_types_may_stay_unresolved(target):
    assert _ignored("py:class", target)


@pytest.mark.parametrize(
    "target",
    [
        "catlearn.core.para.NoSuch",
        "ZeroEvidenceError",
        "BayesNet",
        "variables",
        "rda_step",
        "catlearn.probability.kernels.markov._Structure",
        "Composable",
        "LinearGaussian",
    ],
)
def test_catlearn_references_are_never_allowed_to_break(target):
    assert not _ignored("py:class", target)
    assert not _ignored("py:func", target)


def test_private_bases_are_hidden_and_external_ones_named_publicly():
    class _Private:
        pass

    _Private.__module__ = "catlearn.probability.kernels.markov"

    class Module:
        pass

    Module.__module__, Module.__qualname__ = "equinox._module._module", "Module"

    class Public:
        pass

    Public.__module__ = "catlearn.probability.kernels.markov"
    bases = [_Private, Module, Public, object]
    catlearn_refs.process_bases(None, "x", None, None, bases)
    assert bases == [":py:class:`equinox.Module`", Public]
