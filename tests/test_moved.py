"""The deprecation aliases of the old flat ``catlearn.probability`` module paths."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import catlearn.probability as prob
from catlearn.probability._moved import MOVED


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_moved_module(old):
    new = importlib.import_module(f"catlearn.probability.{MOVED[old]}")
    sys.modules.pop(f"catlearn.probability.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"catlearn.probability.{MOVED[old]}"):
        alias = importlib.import_module(f"catlearn.probability.{old}")
    assert alias is new
    assert new.__spec__.name == new.__name__ == f"catlearn.probability.{MOVED[old]}"


def test_from_import_of_an_old_path_gives_the_same_objects():
    code = (
        "import warnings; warnings.simplefilter('ignore');"
        "from catlearn.probability.markov import Finite;"
        "from catlearn.probability.hmm import hmm_filter;"
        "import catlearn as cl; assert Finite is cl.Finite and hmm_filter is cl.probability.hmm_filter;"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_new_paths_and_faces_do_not_warn(recwarn):
    for area in ("kernels", "networks", "statespace", "inference"):
        face = importlib.import_module(f"catlearn.probability.{area}")
        for name in face.__all__:
            assert getattr(prob, name) is getattr(face, name)
    assert not [w for w in recwarn if w.category is DeprecationWarning]


def test_every_face_name_is_in_exactly_one_sub_area():
    seen: dict[str, str] = {}
    for area in ("kernels", "networks", "statespace", "inference"):
        for name in importlib.import_module(f"catlearn.probability.{area}").__all__:
            assert name not in seen, f"{name} exported by {seen.get(name)} and {area}"
            seen[name] = area
    assert set(seen) == set(prob.__all__)


def test_the_planner_moved_to_kernels_with_an_alias():
    """Finite composites are contracted by the planner, so it lives in the kernels floor; the
    old module path and the old face names still work for one release, with a warning."""
    from catlearn.probability.kernels import contraction

    with pytest.warns(DeprecationWarning, match="moved to catlearn.probability.kernels"):
        from catlearn.probability.networks import plan_contraction
    assert plan_contraction is contraction.plan_contraction
    sys.modules.pop("catlearn.probability.networks.contraction", None)
    with pytest.warns(DeprecationWarning, match="kernels.contraction"):
        import catlearn.probability.networks.contraction as old
    assert old is contraction
