r"""Functorial learning: fit ONE functor to a data set of DIFFERENT diagrams sharing boxes.

In compositional NLP (Coecke, Sadrzadeh, Clark, *Mathematical foundations for a
compositional distributional model of meaning*; Toumi, *Category theory for quantum natural
language processing*, the chapter on functorial learning) a data set is a set of pairs
:math:`(d_i, y_i)` where each :math:`d_i` is a diagram (a sentence parsed into word boxes)
and the boxes recur across diagrams. A model is a monoidal functor :math:`F_\theta` from
diagrams to Para, fixed by one arrow per box :math:`F_\theta(b) = (P_b, f_b)`; learning
minimises

.. math::
   \mathcal L(\theta) = \frac1n \sum_{i=1}^n e\big(F_\theta(d_i)(\theta), y_i\big),
   \qquad \nabla_{\theta_b} \mathcal L = \frac1n \sum_i \nabla_{\theta_b}\, e(F_\theta(d_i), y_i),

so the gradient for a box is the sum of its gradients in the diagrams that use it.

At JAX speed: the diagrams are grouped by **shape** (the flat program of
:func:`catlearn.diagrams.compiler.to_program` with every box replaced by its *kind*); each distinct
shape is compiled once, and a batch of diagrams of one shape runs as ``jax.vmap`` of that program
over the table rows of its boxes. An epoch is one ``jax.lax.scan`` over all minibatches of all
shapes, each step a ``jax.lax.switch`` on its shape (``fused=True``), or one jitted step per
minibatch (``fused=False``).

>>> import jax, optax
>>> from catlearn.training.sentences import sentence_data
>>> data = sentence_data(100, seed=0, max_adjectives=0, dim=3, hidden=4)  # 2 shapes
>>> result = fit_functor(data, loss="softmax_cross_entropy", optimizer=optax.adam(0.05),
...                      epochs=10, key=jax.random.key(0), progress=False)
>>> result.n_shapes
2
>>> result.history["loss"][-1] < result.history["loss"][0]
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from catlearn import errors
from catlearn.core.checked import as_key
from catlearn.core.learner import Learner, gradient_learner
from catlearn.core.losses import ErrorFn
from catlearn.core.optim import Optimiser
from catlearn.core.para import Para, WireValue
from catlearn.core.program import Program
from catlearn.diagrams.compiler import Arrows, compile, to_program
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DataError, HyperparameterError, ParamsError
from catlearn.training import _functor_shapes as shapes
from catlearn.training.checkpoint import Checkpointing
from catlearn.training.train import resolve_loss

__all__ = ["Functor", "FunctorFit", "fit_functor", "split_data"]

Loss = Callable[[Any, Any], jax.Array]
Example = tuple[Diagram, ArrayLike] | tuple[Diagram, WireValue, ArrayLike]
"""One example of a data set of diagrams: ``(diagram, target)`` or ``(diagram, x, target)``."""
Inputs = Sequence[WireValue] | jax.Array | np.ndarray
"""The inputs ``x`` of diagrams, one per diagram (a list, or a batch along the first axis)."""


def split_data(
    data: Sequence[Example],
) -> tuple[list[Diagram], list[Any] | None, np.ndarray]:
    """``[(diagram, target)]`` or ``[(diagram, x, target)]`` -> diagrams, inputs, targets.

    >>> from catlearn.diagrams.diagram import Box
    >>> from catlearn.core.types import Euclid, Ty
    >>> d, xs, y = split_data([(Box('a', Ty(), Euclid(1)), 0)])
    >>> xs is None, y.shape
    (True, (1,))
    """
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise errors.ArgumentTypeError(
            f"Expected a data set as a list of (diagram, target) pairs, got "
            f"{type(data).__name__} ({data!r:.60}); see sentences.sentence_data."
        )
    data = list(data)
    if not data:
        raise DataError(
            "Expected a non-empty data set of (diagram, target) pairs, got 0 examples. "
            "Generate or load some diagrams first."
        )
    lengths = {len(item) if isinstance(item, tuple | list) else -1 for item in data}
    if not lengths <= {2, 3} or len(lengths) != 1:
        raise DataError(
            "Expected every example to be a pair (diagram, target), or every one a triple "
            f"(diagram, x, target), got items of lengths {sorted(lengths)}."
        )
    diagrams = [item[0] for item in data]
    xs = [item[1] for item in data] if lengths == {3} else None
    try:
        targets = np.asarray([np.asarray(item[-1]) for item in data])
    except ValueError:  # ragged targets
        targets = np.asarray([], dtype=object)
    if targets.dtype.kind not in "biuf":
        raise DataError(
            f"Expected numeric targets (class indices or arrays of one shape), got "
            f"{data[0][-1]!r:.40} ... (dtype {targets.dtype}); encode labels as ints 0..k-1."
        )
    return diagrams, xs, targets


class Functor:
    """The monoidal functor fixed by one Para arrow per box name, over given boxes.

    Build one from the diagrams of a data set (:meth:`from_diagrams`); ``ar`` gives
    arrows for boxes without a default semantics, as in
    :func:`~catlearn.diagrams.compiler.compile`. Parameters are one dict of named groups
    (for :mod:`catlearn.diagrams.nn` boxes, one group per box name), the union over boxes.

    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagrams import nn
    >>> f = nn.Linear(2, 2, name='f')
    >>> F = Functor.from_diagrams([f >> f, f])
    >>> p = F.init(jax.random.key(0))
    >>> sorted(p), F(f >> f)(p, jnp.ones(2)).shape
    (['f'], (2,))
    """

    def __init__(self, diagrams: Sequence[Diagram], ar: Arrows = None) -> None:
        if isinstance(diagrams, Diagram | Box):
            diagrams = [diagrams]
        if not isinstance(diagrams, Sequence) or not all(
            isinstance(d, Diagram | Box) for d in diagrams
        ):
            raise errors.ArgumentTypeError(
                f"Expected a list of diagrams (or boxes) to build a functor from, got "
                f"{type(diagrams).__name__} ({diagrams!r:.60}); pass e.g. [d1, d2]."
            )
        if not diagrams:
            raise DataError("Expected at least one diagram to build a functor from, got none.")
        boxes, arrows, kinds, row = shapes.collect_boxes(diagrams, ar)
        self.boxes: dict[str, Box] = boxes
        """The functor's boxes by name."""
        self.arrows: dict[str, Para] = arrows
        """The arrow of each box name (``compile(box, ar)``)."""
        self._kinds, self._row = kinds, row
        self._shapes: dict[Any, shapes.Shape] = {}  # compiled shapes of this functor

    @classmethod
    def from_diagrams(cls, diagrams: Sequence[Diagram], ar: Arrows = None) -> Functor:
        """The functor over the boxes of ``diagrams`` (checked: one box per name)."""
        return cls(list(diagrams), ar)

    def __repr__(self) -> str:
        return f"Functor({len(self.boxes)} boxes, {len(self._kinds)} kinds)"

    # --- parameters -------------------------------------------------------------------
    def init(self, key: jax.Array) -> dict[str, Any]:
        """Fresh parameters: the union of each box's groups (``arrow.init``)."""
        params: dict[str, Any] = {}
        names = [n for n, a in self.arrows.items() if a.spec]
        for name, k in zip(names, jax.random.split(key, max(len(names), 1))):
            params.update(self.arrows[name].init(k))  # eager: one small compile per shape
        return params

    def init_tables(self, key: jax.Array) -> list[Any]:
        """Fresh parameters stacked by kind (what training updates)."""
        return self.tables(self.init(key))

    def check_params(self, params: Mapping[str, Any]) -> None:
        """Raise :class:`~catlearn.errors.ParamsError` unless ``params`` fits every box."""
        if not isinstance(params, Mapping):
            raise ParamsError(f"Expected a dict of parameter groups, got {type(params).__name__}.")
        for arrow in self.arrows.values():
            arrow.check_params(params)

    def tables(self, params: Mapping[str, Any]) -> list[Any]:
        """The parameters stacked by kind (what training updates)."""
        return shapes.stack(self._kinds, self.arrows, params)

    def params_of(self, tables: Sequence[Any]) -> dict[str, Any]:
        """Inverse of :meth:`tables`: one group per box."""
        return shapes.unstack(self._kinds, self.arrows, tables)

    # --- the functor --------------------------------------------------------------------
    def __call__(self, diagram: Diagram) -> Para:
        """:math:`F(d)`: ``diagram`` compiled to ONE Para arrow with this functor's arrows."""
        shapes.shape_of(to_program(diagram), self.arrows, self._row, self.boxes)
        para: Para = compile(diagram, self.arrows)
        return para

    def learners(
        self, lr: float, error: ErrorFn | str | Callable[[Any, Any], Any] = "squared"
    ) -> dict[str, Learner]:
        r"""The arrows sent to Learn by :math:`L_{\varepsilon, e}` (*Backprop as Functor*):
        ``compile(d, F.learners(lr), into=Learner)`` is the learner of the diagram ``d``."""
        return {n: gradient_learner(a, lr, error) for n, a in self.arrows.items()}

    def shape(self, program: Program) -> tuple[shapes.Shape, list[int]]:
        """The compiled shape of a program (compiled once per functor) and its box rows."""
        key, rows = shapes.shape_of(program, self.arrows, self._row, self.boxes)
        if key not in self._shapes:
            self._shapes[key] = shapes.build_shape(program, self._kinds, self.arrows, self._row)
        return self._shapes[key], rows

    def group(self, diagrams: Sequence[Diagram], xs: Inputs | None) -> list[Group]:
        """The diagrams grouped by shape (each shape compiled once)."""
        keys, programs, members, rows = shapes.group_rows(
            diagrams, self.arrows, self._row, self.boxes
        )
        out = []
        for key, program, mem, r in zip(keys, programs, members, rows):
            if key not in self._shapes:
                self._shapes[key] = shapes.build_shape(program, self._kinds, self.arrows, self._row)
            shape = self._shapes[key]
            gx = None
            if xs is not None and len(shape.para.dom):
                gx = jax.tree_util.tree_map(
                    lambda *a: jnp.asarray(np.stack(a)), *[xs[j] for j in mem]
                )
            out.append(Group(shape, np.asarray(mem), shapes.as_rows(r), gx))
        return out

    def predict(
        self,
        params: Mapping[str, Any],
        diagrams: Sequence[Diagram],
        xs: Inputs | None = None,
    ) -> jax.Array:
        """Outputs of every diagram (in order), computed one batch per shape."""
        if not diagrams:
            raise DataError("Expected at least one diagram to predict on, got none.")
        groups = self.group(list(diagrams), xs)
        tables = self.tables(params)
        outs = [(g.members, g.shape.jit_forward(tables, jnp.asarray(g.rows), g.xs)) for g in groups]
        first = outs[0][1]
        result = jnp.zeros((len(diagrams), *first.shape[1:]), first.dtype)
        for mem, y in outs:
            result = result.at[mem].set(y)
        return result

    def loss(
        self, params: Mapping[str, Any], data: Sequence[Example], loss: str | Loss
    ) -> jax.Array:
        r"""The data-set loss :math:`\frac1n \sum_i e(F(d_i), y_i)` (differentiable in
        ``params``; one batch per shape)."""
        diagrams, xs, y = split_data(data)
        loss_fn = resolve_loss(loss)
        tables = self.tables(params)
        total = jnp.zeros(())
        for g in self.group(diagrams, xs):
            pred = g.shape.forward(tables, jnp.asarray(g.rows), g.xs)
            total = total + jnp.sum(loss_fn(pred, jnp.asarray(y[g.members])))
        return total / len(diagrams)


@dataclass
class Group:
    """Examples of one shape: the shape, their indices, box rows and inputs."""

    shape: shapes.Shape
    members: np.ndarray
    rows: np.ndarray
    xs: Any


def accuracy_per_example(pred: jax.Array, target: jax.Array) -> jax.Array:
    """1.0 where the arg-max class (or a single output thresholded at 1/2) is the label."""
    guess = (pred[..., 0] > 0.5) if pred.shape[-1] == 1 else jnp.argmax(pred, -1)
    if target.ndim == pred.ndim:
        target = (target[..., 0] > 0.5) if target.shape[-1] == 1 else jnp.argmax(target, -1)
    return (guess.astype(jnp.int32) == jnp.round(target).astype(jnp.int32)).astype(pred.dtype)


def _resolve_metric(metric: str | Loss | None) -> Loss | None:
    if metric is None:
        return None
    if metric == "accuracy":
        return accuracy_per_example
    return resolve_loss(metric)


@dataclass
class FunctorFit:
    """What :func:`fit_functor` returns: the functor, its parameters (one group per box),
    the optimiser state (over the stacked tables), and per-epoch history.

    >>> import jax, jax.numpy as jnp, optax
    >>> from catlearn.diagrams import nn
    >>> f = nn.Linear(1, 1, name="f")
    >>> fit = fit_functor([(f, jnp.ones(1), jnp.ones(1))], loss="mse",
    ...                   optimizer=optax.sgd(0.1), epochs=3, key=jax.random.key(0),
    ...                   progress=False)
    >>> type(fit.functor).__name__, sorted(fit.params), fit.n_shapes
    ('Functor', ['f'], 1)
    >>> sorted(fit.history), len(fit.history["loss"]), len(fit.epoch_seconds)
    (['loss'], 3, 3)
    """

    functor: Functor
    params: dict[str, Any]
    opt_state: optax.OptState
    history: dict[str, list[float]] = field(default_factory=dict)
    n_shapes: int = 0
    """The number of distinct shapes (each compiled once)."""
    epoch_seconds: list[float] = field(default_factory=list)
    """Wall time of each epoch (the first includes compiling)."""
    interrupted: bool = False
    """A ``KeyboardInterrupt`` (Ctrl-C) stopped the fit: this is the last completed epoch's
    result, with its history."""


def fit_functor(
    data: Sequence[Example],
    *,
    loss: str | Loss,
    optimizer: optax.GradientTransformation | Optimiser,
    epochs: int = 1,
    key: jax.Array,
    ar: Arrows = None,
    functor: Functor | None = None,
    params: Mapping[str, Any] | None = None,
    opt_state: optax.OptState | None = None,
    batch_size: int | None = 64,
    metric: str | Loss | None = None,
    validation: Sequence[Example] | None = None,
    progress: bool = True,
    fused: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
) -> FunctorFit:
    r"""Fit one functor (the boxes' parameters) to a data set of diagrams.

    Minimises :math:`\frac1n\sum_i e(F_\theta(d_i), y_i)` by minibatch gradient descent,
    where each minibatch holds diagrams of ONE shape: every epoch shuffles each shape's
    examples, cuts them into minibatches of ``batch_size`` (the last padded, with weight
    0), and runs all minibatches of all shapes in a shuffled order.

    Parameters
    ----------
    data:
        Pairs ``(diagram, target)`` (closed diagrams, e.g. sentences) or triples
        ``(diagram, x, target)``; diagrams share boxes by name.
    loss, metric:
        A name of the loss/error vocabulary :data:`catlearn.core.losses.LOSSES` (the function
        ``fit(loss=name)`` uses) or a callable ``(pred, target) -> per-example losses``;
        ``metric`` may also be ``"accuracy"``.
    optimizer:
        An ``optax.GradientTransformation`` or a catlearn optimiser (:mod:`catlearn.core.optim`).
    ar, functor, params, opt_state:
        Arrows for boxes without default semantics; or a :class:`Functor` already built;
        parameters (one group per box) and optimiser state to resume from.
    batch_size:
        Diagrams per step (``None``: each shape's examples form one step).
    fused:
        One ``lax.scan`` per epoch (``lax.switch`` over shapes) rather than one jitted step
        per minibatch.
    checkpoint, checkpoint_every:
        Save ``(params, opt_state)`` there with :func:`catlearn.training.checkpoint.save`
        at the end (and every ``checkpoint_every`` epochs; ``checkpoint_every`` without a
        ``checkpoint`` path is a :class:`~catlearn.errors.HyperparameterError`): the policy
        of :class:`~catlearn.training.checkpoint.Checkpointing`, shared with ``fit``. Ctrl-C
        (``KeyboardInterrupt``) during the fit returns (and saves) the last completed epoch's
        result, with ``interrupted=True``.
    validation:
        Held-out examples in the form of ``data``, scored after every epoch; its targets are
        checked as the training targets are (finite; class labels in ``0..k-1`` for
        ``"softmax_cross_entropy"``, in ``[0, 1]`` for the binary cross-entropies: a
        :class:`~catlearn.errors.SupportError` naming the example).

    Examples
    --------
    One box ``f`` in two shapes, ``f`` (target :math:`2x`) and ``f >> f`` (target
    :math:`4x`): the shared weight is learned from both.

    >>> import jax, jax.numpy as jnp, optax
    >>> from catlearn.diagrams import nn
    >>> f = nn.Linear(1, 1, name="f")
    >>> xs = jnp.linspace(-1.0, 1.0, 8).reshape(-1, 1)
    >>> data = [(f, x, 2 * x) for x in xs] + [(f >> f, x, 4 * x) for x in xs]
    >>> start = {"f": {"W": jnp.ones((1, 1)), "b": jnp.zeros(1)}}
    >>> fit = fit_functor(data, loss="mse", optimizer=optax.adam(0.1), epochs=60,
    ...                   key=jax.random.key(0), params=start, progress=False)
    >>> fit.n_shapes, fit.history["loss"][-1] < 1e-3
    (2, True)
    >>> fit.params["f"]["W"].round(2).tolist()
    [[2.0]]
    >>> fit.functor.predict(fit.params, [f >> f], xs[-1:]).round(1).tolist()
    [[4.0]]
    """
    from catlearn.training import _functor_loop as loop

    diagrams, xs, y = split_data(data)
    if not isinstance(epochs, int | np.integer) or epochs < 0:
        raise HyperparameterError(f"Expected a non-negative integer epochs, got {epochs!r}.")
    if batch_size is not None and (not isinstance(batch_size, int | np.integer) or batch_size < 1):
        raise HyperparameterError(f"Expected a positive integer batch_size, got {batch_size!r}.")
    saving = Checkpointing.of(checkpoint, checkpoint_every, {"kind": "functor"})
    if functor is None:
        functor = Functor(diagrams, ar)
    pkey, key = jax.random.split(as_key(key))
    if params is None:
        params = functor.init(pkey)
    functor.check_params(params)
    fitted = loop.run(
        functor,
        params,
        (diagrams, xs, y),
        loss=resolve_loss(loss),
        check_as=loss,
        metric=_resolve_metric(metric),
        optimizer=optimizer,
        epochs=int(epochs),
        key=key,
        opt_state=opt_state,
        batch_size=batch_size,
        validation=None if validation is None else split_data(validation),
        progress=progress,
        fused=fused,
        saving=saving,
    )
    return FunctorFit(functor, *fitted)
