r"""A learner as a dynamical system (Spivak, *Learners' languages*, 2021).

Spivak reads a learner :math:`(P, I, U, r) : A \to B` as a **Moore machine** with interface
the internal hom :math:`[Ay^A, By^B]`: its state is the parameter :math:`p \in P`; its
**readout** in state :math:`p` is a position of that interface, the lens

.. math::
   \mathrm{readout}(p) = (I(p, -),\; r(p, -, -)) : Ay^A \to By^B,

and a direction at that position is a pair :math:`(a, b)` (an input and the feedback on the
output), on which the state moves to :math:`U(p, a, b)`. Fed a stream :math:`(a_t, b_t)_t`,
it runs

.. math::
   \hat b_t = I(p_t, a_t), \qquad \hat a_t = r(p_t, a_t, b_t), \qquad
   p_{t+1} = U(p_t, a_t, b_t),

i.e. online learning: predict, see the target, send a request upstream, update. :func:`run`
is that recursion as one epoch of the shared training loop (:mod:`catlearn.core.loop`: one
``jax.lax.scan``, so the whole stream is one XLA program) and returns the final state with
the readout's two halves at every step (:class:`Readout`);
:meth:`catlearn.core.learner.Learner.run` calls it.

Machines **wire** (:func:`wire`): the serial wiring of :math:`M_1 : A \to B` and
:math:`M_2 : B \to C` has state :math:`P \times Q`, readout the composite lens
:math:`\mathrm{readout}_1(p) \gg \mathrm{readout}_2(q)`, and on :math:`(a, c)` moves to
:math:`(U(p, a, s(q, I(p, a), c)),\; V(q, I(p, a), c))`: the first machine is updated at the
second one's request. This uses only the machines' readout lenses and updates, and equals the
composite learner's machine (``tests/test_dynamics.py``, float64). Spivak's gradient-descent
example is :func:`catlearn.core.learner.gradient_learner` run as a machine:

>>> import jax, jax.numpy as jnp
>>> from catlearn.core.learner import gradient_learner
>>> from catlearn.core.para import Para
>>> from catlearn.core.types import Euclid
>>> L = gradient_learner(Para.linear(Euclid(1), Euclid(1), name="f", bias=False), lr=0.2)
>>> xs = jnp.ones((50, 1)); ys = 3.0 * xs  # a stream whose law is b = 3 a
>>> p, out = run(L, {"f": {"W": jnp.zeros((1, 1))}}, (xs, ys))
>>> round(float(p["f"]["W"][0, 0]), 4), out.implementations.shape, out.requests.shape
(3.0, (50, 1), (50, 1))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import jax
import jax.numpy as jnp

from catlearn import errors
from catlearn.core.lens import Lens
from catlearn.core.loop import compile_epochs
from catlearn.core.types import Ty
from catlearn.errors import mismatch

if TYPE_CHECKING:
    from catlearn.core.para import WireValue

__all__ = ["Machine", "Readout", "machine", "readout", "run", "step", "wire"]


class LearnerLike(Protocol):
    """What a learner is to this module: a :class:`~catlearn.core.learner.Learner`, or anything
    with its ``dom``, ``cod``, ``implement(p, a)``, ``update(p, a, b)`` and ``request(p, a, b)``."""

    @property
    def dom(self) -> Ty: ...
    @property
    def cod(self) -> Ty: ...
    def implement(self, params: Any, a: Any, /) -> Any: ...
    def update(self, params: Any, a: Any, b: Any, /) -> Any: ...
    def request(self, params: Any, a: Any, b: Any, /) -> Any: ...


class Readout(NamedTuple):
    """The readout lens evaluated along a stream: ``implementations[t] = I(p_t, a_t)``
    (shape: time + ``cod``) and ``requests[t] = r(p_t, a_t, b_t)`` (shape: time + ``dom``)."""

    implementations: Any
    requests: Any


class Machine(NamedTuple):
    r"""A Moore machine with interface :math:`[Ay^A, By^B]`: ``readout(state)`` is a
    :class:`~catlearn.core.lens.Lens` ``dom -> cod``; ``update(state, a, b)`` is the next state.

    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> machine(Learner.id(Euclid(1))).readout({})
    Lens(Euclid(1) -> Euclid(1))
    """

    dom: Ty
    cod: Ty
    readout: Callable[[Any], Lens]
    update: Callable[[Any, Any, Any], Any]

    def __repr__(self) -> str:
        return f"Machine({self.dom} -> {self.cod})"


def readout(learner: LearnerLike, params: Any) -> Lens:
    r"""The readout of a learner in state ``params``: the lens :math:`(I(p, -), r(p, -, -))`.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> readout(Learner.id(Euclid(1)), {}).put(jnp.ones(1), jnp.zeros(1))
    Array([0.], dtype=float32)
    """
    return Lens(
        lambda a: learner.implement(params, a),
        lambda a, b: learner.request(params, a, b),
        learner.dom,
        learner.cod,
    )


def machine(learner: LearnerLike | Machine) -> Machine:
    """A learner (anything with ``implement``, ``request``, ``update``, ``dom``, ``cod``) as a
    :class:`Machine`: readout :func:`readout`, update :math:`U`.

    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> machine(Learner.id(Euclid(2))).cod
    Euclid(2)
    """
    if isinstance(learner, Machine):
        return learner
    for attr in ("implement", "request", "update", "dom", "cod"):
        if not hasattr(learner, attr):
            raise errors.ArgumentTypeError(
                f"Expected a Learner or a Machine, got {learner!r} (it has no {attr!r}); build "
                "one with gradient_learner(...) or Machine(dom, cod, readout, update)."
            )
    return Machine(learner.dom, learner.cod, lambda p: readout(learner, p), learner.update)


def wire(first: LearnerLike | Machine, second: LearnerLike | Machine) -> Machine:
    r"""Serial wiring of two machines :math:`A \to B \to C` into one with state ``(p, q)``.

    Readout :math:`\mathrm{readout}_1(p) \gg \mathrm{readout}_2(q)` (lens composition); on
    :math:`(a, c)` the state moves to :math:`(U(p, a, b'), V(q, b, c))` with
    :math:`b = \mathrm{get}_1(a)` and :math:`b' = \mathrm{put}_2(b, c)`.

    >>> import jax.numpy as jnp
    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> m = wire(Learner.id(Euclid(1)), Learner.id(Euclid(1)))
    >>> m.readout(({}, {})).get(jnp.ones(1))
    Array([1.], dtype=float32)
    """
    m1, m2 = machine(first), machine(second)
    if m1.cod != m2.dom:
        raise mismatch(m1, m2, m1.cod, m2.dom)

    def out(state: Any) -> Lens:
        p, q = state
        return m1.readout(p) >> m2.readout(q)

    def update(state: Any, a: Any, c: Any) -> Any:
        p, q = state
        l1, l2 = m1.readout(p), m2.readout(q)
        b = l1.get(a)
        return m1.update(p, a, l2.put(b, c)), m2.update(q, b, c)

    return Machine(m1.dom, m2.cod, out, update)


def step(
    learner: LearnerLike | Machine, params: Any, a: WireValue, b: WireValue
) -> tuple[Any, Readout]:
    """One transition: ``(U(p, a, b), Readout(I(p, a), r(p, a, b)))`` (next state, readout).

    ``learner`` is a Learner or a :class:`Machine`.

    >>> from catlearn.core.learner import Learner
    >>> from catlearn.core.types import Euclid
    >>> import jax.numpy as jnp
    >>> step(Learner.id(Euclid(1)), {}, jnp.ones(1), jnp.zeros(1))
    ({}, Readout(implementations=Array([1.], dtype=float32), requests=Array([0.], dtype=float32)))
    """
    m = machine(learner)
    lens = m.readout(params)
    return m.update(params, a, b), Readout(lens.get(a), lens.put(a, b))


def run(
    learner: LearnerLike | Machine, params: Any, stream: tuple[WireValue, WireValue]
) -> tuple[Any, Readout]:
    r"""Run a learner or machine on a stream ``(as, bs)`` (leading axis: time) by ``lax.scan``.

    Returns the final state and the :class:`Readout` along the stream: the outputs
    :math:`\hat b_t = I(p_t, a_t)` made *before* each update (the online predictions) and the
    requests :math:`\hat a_t = r(p_t, a_t, b_t)`.

    Parameters
    ----------
    learner:
        A :class:`~catlearn.core.learner.Learner` or a :class:`Machine` (e.g. from :func:`wire`).
    params:
        The initial state :math:`p_0`.
    stream:
        ``(as, bs)``: inputs and targets, each with a leading time axis.
    """
    m = machine(learner)

    def one(p: Any, state: Any, ab: Any, key: Any) -> tuple[Any, Any, Any]:
        a, b = jax.tree_util.tree_map(lambda v: v[0], ab)  # a batch of one pair
        p_next, out = step(m, p, a, b)
        return p_next, state, tuple(out)

    run = compile_epochs(one, batch_size=1, shuffle=False)  # one epoch, in order
    params, _, _, (outs, _) = run(
        params, (), jnp.array(True), jnp.zeros(1, jnp.int32), stream, None
    )
    return params, Readout(*jax.tree_util.tree_map(lambda o: o[0], outs))
