"""The package face guides: a name that lives in an area but not at the top of ``catlearn``
raises an AttributeError (typed) naming the area that has it, computed from the areas'
``__all__`` (issue 22)."""

from __future__ import annotations

import types

import pytest

import catlearn as cl
from catlearn.errors import CatlearnError, UnknownAttributeError


@pytest.mark.parametrize(
    "name, home",
    [
        ("hmm_filter", "catlearn.probability"),
        ("kalman_filter", "catlearn.probability"),
        ("CPT", "catlearn.probability"),
        ("GaussianProcess", "catlearn.probability"),
        ("fit_functor", "catlearn.training"),
        ("checkpoint", "catlearn.training"),
    ],
)
def test_area_names_point_to_their_area(name, home):
    with pytest.raises(UnknownAttributeError) as info:
        getattr(cl, name)
    message = str(info.value)
    assert f"{home}.{name}" in message and f"from {home} import {name}" in message
    assert isinstance(info.value, AttributeError) and isinstance(info.value, CatlearnError)
    assert not hasattr(cl, name)  # hasattr keeps working: it is an AttributeError


def test_every_area_name_missing_at_the_top_names_its_area():
    """Not a hand list: every name of every area's __all__ either is exported at the top or
    its error names the area."""
    areas = [
        v
        for v in vars(cl).values()
        if isinstance(v, types.ModuleType) and v.__name__.count(".") == 1 and hasattr(v, "__path__")
    ]
    assert {a.__name__ for a in areas} >= {
        "catlearn.core",
        "catlearn.training",
        "catlearn.probability",
    }
    checked = 0
    for area in areas:
        for name in area.__all__:
            if name in vars(cl):
                continue
            with pytest.raises(UnknownAttributeError) as info:
                getattr(cl, name)
            assert area.__name__ in str(info.value) and f".{name}: import" in str(info.value)
            checked += 1
    assert checked > 50


def test_unknown_names_suggest_close_ones():
    with pytest.raises(
        UnknownAttributeError, match=r"Did you mean catlearn\.probability\.hmm_filter"
    ):
        cl.hmm_filtr
    with pytest.raises(UnknownAttributeError, match="no attribute 'qqqqq'"):
        cl.qqqqq
    with pytest.raises(AttributeError):
        cl.__not_a_dunder__
    assert cl.fit is cl.training.fit  # exported names are untouched
