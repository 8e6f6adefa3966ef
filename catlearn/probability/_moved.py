"""Deprecation aliases for the module paths of the flat ``probability/`` (one release).

The area was grouped by concept into ``kernels/``, ``networks/``, ``statespace/`` and
``inference/``. ``import catlearn.probability.markov`` (and every other old public path) still
works: it warns with a :class:`DeprecationWarning` naming the new path and gives the moved
module itself (the same object, so ``isinstance`` and identity checks keep holding). The names
exported from :mod:`catlearn.probability` and :mod:`catlearn` did not move.

>>> import sys, warnings
>>> _ = sys.modules.pop("catlearn.probability.markov", None)  # as in a fresh process
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from catlearn.probability.markov import Finite
>>> import catlearn.probability.kernels.markov as new
>>> Finite is new.Finite, caught[0].category.__name__
(True, 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

__all__ = ["MOVED", "install"]

MOVED: dict[str, str] = {
    "markov": "kernels.markov",
    "gaussian": "kernels.gaussian",
    "sampler": "kernels.sampler",
    "stochastic": "kernels.stochastic",
    "likelihood": "kernels.likelihood",
    "contraction": "kernels.contraction",
    "networks.contraction": "kernels.contraction",
    "lazy": "networks.lazy",
    "hmm": "statespace.hmm",
    "hmm_emissions": "statespace.hmm_emissions",
    "hmm_learn": "statespace.hmm_learn",
    "kalman": "statespace.kalman",
    "kalman_learn": "statespace.kalman_learn",
    "bayes": "inference.bayes",
    "bayes_learner": "inference.bayes_learner",
    "conjugate": "inference.conjugate",
    "conjugate_families": "inference.conjugate_families",
    "gp": "inference.gp",
    "approximate": "inference.approximate",
}
"""Old module (under ``catlearn.probability``) -> its new path. ``networks`` is the name of
both the old module and the new sub-area, whose face exports the same names."""

_PREFIX = "catlearn.probability."


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and loads it as the moved module, with a warning."""

    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_PREFIX) or fullname[len(_PREFIX) :] not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = _PREFIX + MOVED[spec.name[len(_PREFIX) :]]
        warnings.warn(
            f"{spec.name} moved to {new}; import it from there (or the names from "
            "catlearn.probability). The old path goes in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        self._specs[new] = module.__spec__  # the import system overwrites it with ours
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (:meth:`create_module` imported the moved module): give it back its
        own ``__spec__``."""
        module.__spec__ = self._specs.pop(module.__name__, module.__spec__)


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` once (idempotent)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
