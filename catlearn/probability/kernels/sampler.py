"""Key-driven Markov kernels: :class:`Sampler` (``sample_fn(key, x)``, optional density).

Samplers compose through the one composition engine of :mod:`catlearn.core` (the one
:class:`~catlearn.core.para.Para` and :class:`~catlearn.core.lens.Lens` use): a composite is a
flat program of its boxes, each random box with its own key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax

from catlearn import errors
from catlearn.core.category import Node, PytreeArrow, Tensor, Then, assemble, flatten
from catlearn.core.program import evaluate
from catlearn.core.types import Ty
from catlearn.probability.kernels._checks import _as_ty


class Sampler(PytreeArrow):
    r"""A kernel given by a JAX sampling function of a key, with a log-density where known.

    ``sample_fn(key, x)`` draws from :math:`f(- \mid x)` (``x = ()`` for states) and
    ``log_prob_fn(y, x)``, if given, is :math:`\log f(y \mid x)`. Composition splits the key
    (:math:`(f \gg g)(k, x) = g(k_2, f(k_1, x))`: each random box of a composite gets its
    own key); the composite's density is unknown (None) unless every factor but the last is
    deterministic (then it is the last factor's density at the deterministic image);
    :func:`~catlearn.probability.kernels.stochastic.then_density` marginalises a stochastic one.
    Composites are flat programs of their boxes (``>>`` is O(1) per arrow, any length):
    their ``params`` are a :class:`~catlearn.core.category.BoxParams`, one entry per box.
    ``params`` (a pytree, leaves traced by ``jit``/``grad``) is passed first to both
    functions when given.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.core.types import Euclid, Ty
    >>> noise = Sampler(lambda k, x: x + jax.random.normal(k, (2,)), Euclid(2), Euclid(2),
    ...                 log_prob_fn=lambda y, x: jax.scipy.stats.norm.logpdf(y - x).sum())
    >>> (noise >> Sampler.discard(Euclid(2))).sample(jax.random.key(0), 2, x=jnp.zeros(2))
    ()
    >>> noise.sample(jax.random.key(0), 5, x=jnp.zeros(2)).shape
    (5, 2)
    """

    params: Any
    sample_fn: Callable[..., Any] = eqx.field(static=True)
    log_prob_fn: Callable[..., Any] | None = eqx.field(static=True)
    deterministic: bool = eqx.field(static=True)

    def __init__(
        self,
        sample_fn: Callable[..., Any],
        dom: Any,
        cod: Any,
        *,
        log_prob_fn: Callable[..., Any] | None = None,
        params: Any = None,
        deterministic: bool = False,
        _node: Node | None = None,
    ):
        if params is None:
            self.sample_fn = lambda p, k, x: sample_fn(k, x)
            self.log_prob_fn = None if log_prob_fn is None else (lambda p, y, x: log_prob_fn(y, x))
        else:
            self.sample_fn, self.log_prob_fn = sample_fn, log_prob_fn
        self.params, self.dom, self.cod = params, _as_ty(dom), _as_ty(cod)
        self.deterministic = deterministic
        self._node = _node

    @classmethod
    def _raw(cls, fn: Any, lp: Any, params: Any, dom: Ty, cod: Ty, det: bool) -> Sampler:
        return cls(fn, dom, cod, log_prob_fn=lp, params=params, deterministic=det)

    @classmethod
    def _composite(cls, node: Node, dom: Ty, cod: Ty, parts: Any) -> Sampler:
        params = cls._gather(node, parts, "params")
        run = _Run(node, dom, cod)
        lp = None
        if type(node) is Then and parts[-1].log_prob_fn is not None:
            lp = _Density(run) if all(p.deterministic for p in parts[:-1]) else None
        elif type(node) is Tensor and all(p.log_prob_fn is not None for p in parts):
            lp = _Density(run)
        return assemble(
            cls,
            params=params,
            sample_fn=run,
            log_prob_fn=lp,
            dom=dom,
            cod=cod,
            deterministic=all(p.deterministic for p in parts),
            _node=node,
        )

    def __repr__(self) -> str:
        return f"Sampler({self.dom} -> {self.cod})"

    @classmethod
    def from_function(cls, fn: Callable[[Any], Any], dom: Any, cod: Any) -> Sampler:
        """The deterministic kernel :math:`x \\mapsto \\delta_{fn(x)}` (no density).

        >>> from catlearn.core.types import Euclid
        >>> Sampler.from_function(lambda x: 2 * x, Euclid(1), Euclid(1)).is_deterministic()
        True
        """
        return cls(lambda k, x: fn(x), dom, cod, deterministic=True)

    @classmethod
    def from_kernel(cls, kernel: Any) -> Sampler:
        """A Sampler drawing from a Finite or LinearGaussian kernel (same density)."""
        return cls._raw(
            lambda p, k, x: p.sample(k, x=x),
            lambda p, y, x: p.log_prob(y, x),
            kernel,
            kernel.dom,
            kernel.cod,
            kernel.is_deterministic(),
        )

    @classmethod
    def _coerce(cls, ty: Any) -> Ty:
        return _as_ty(ty)

    def marginal(self, *keep: int) -> Sampler:
        """Keep the codomain wires ``keep`` of each draw (the density is dropped)."""
        cod = self.cod

        def fn(p: Any, k: Any, x: Any) -> Any:
            ys = cod.split(self.sample_fn(p, k, x))
            return Ty(*(cod.inside[i] for i in keep)).join(tuple(ys[i] for i in keep))

        return Sampler._raw(
            fn, None, self.params, self.dom, Ty(*(cod.inside[i] for i in keep)), self.deterministic
        )

    def sample(self, key: jax.Array, n: int | None = None, *, x: Any = ()) -> Any:
        """``n`` independent draws given the input ``x`` (vmapped over split keys)."""
        if n is None:
            return self.sample_fn(self.params, key, x)
        keys = jax.random.split(key, n)
        return jax.vmap(lambda k: self.sample_fn(self.params, k, x))(keys)

    def log_prob(self, y: Any, x: Any = ()) -> jax.Array:
        """:math:`\\log f(y \\mid x)`; raises NotImplementedError when no density is known."""
        if self.log_prob_fn is None:
            raise errors.UnsupportedError(
                f"{self!r} has no known log-density (a composite of samplers, or a Dirac). "
                "Pass log_prob_fn= when you build it, or use Finite/LinearGaussian kernels."
            )
        lp: jax.Array = self.log_prob_fn(self.params, y, x)
        return lp

    def is_deterministic(self) -> bool:
        """True for structure maps and :meth:`from_function` kernels (declared, not tested)."""
        return self.deterministic


class _Run:
    """``sample_fn(params, key, x)`` of a composite Sampler: its flat program, each box drawing
    with its own key and its own entry of the :class:`BoxParams`."""

    __slots__ = ("_keyed", "_node", "cod", "dom")

    def __init__(self, node: Node, dom: Ty, cod: Ty) -> None:
        self._node, self.dom, self.cod = node, dom, cod
        self._keyed: dict[int, int] | None = None

    def _stochastic(self, prog: Any) -> dict[int, int]:
        """Box index -> key index, for the boxes not declared deterministic (those draw
        with their own key; a deterministic box ignores its key and gets the one passed)."""
        if self._keyed is None:
            boxes = [i for i, ins in enumerate(prog.instructions) if not ins.box.deterministic]
            self._keyed = {i: j for j, i in enumerate(boxes)}
        return self._keyed

    def __call__(self, p: Any, k: Any, x: Any) -> Any:
        prog = flatten(self)
        which = self._stochastic(prog)
        keys = jax.random.split(k, len(which)) if which else None

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            j = which.get(i)
            sub = k if j is None else keys[j]  # type: ignore[index]
            return box.cod.split(box.sample_fn(p[i], sub, box.dom.join(xs)))

        env = evaluate(prog, self.dom.split(x), apply)
        return self.cod.join([env[s] for s in prog.outputs])


class _Density:
    """``log_prob_fn(params, y, x)`` of a composite whose last boxes (those read by no other
    box) have densities and whose other boxes are deterministic: the sum of the last boxes'
    log-densities at ``y``, their inputs computed from ``x`` by the deterministic ones."""

    __slots__ = ("run",)

    def __init__(self, run: _Run) -> None:
        self.run = run

    def __call__(self, p: Any, y: Any, x: Any) -> Any:
        prog = flatten(self.run)
        read = {s for _, ins, _ in prog.instructions for s in ins}
        at = dict(zip(prog.outputs, self.run.cod.split(y), strict=True))
        total: list[Any] = []
        key = jax.random.key(0)

        def apply(i: int, box: Any, xs: list[Any]) -> Any:
            outs = prog.instructions[i].outs
            if any(s in read for s in outs):  # deterministic: run it
                return box.cod.split(box.sample_fn(p[i], key, box.dom.join(xs)))
            ys = [at[s] for s in outs]
            total.append(box.log_prob_fn(p[i], box.cod.join(ys), box.dom.join(xs)))
            return ys

        evaluate(prog, self.run.dom.split(x), apply)
        return sum(total[1:], total[0])
