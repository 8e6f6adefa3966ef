r"""One training step as one parametric lens (Cruttwell, Gavranović, Ghani, Wilson, Zanasi,
*Categorical Foundations of Gradient-Based Learning*, ESOP 2022, §3–§5).

The paper's supervised learning step is the composite of parametric lenses

.. math::
   \mathrm{step} \;=\; \mathrm{reparam}_{\mathrm{opt}}\big((\mathrm{model} \otimes 1_{B'})
   \,;\, \mathrm{loss} \,;\, \alpha_\varepsilon\big)
   : (A \otimes B', A' \otimes B) \to (1, 1)
   \quad\text{with parameters } (P \times S, P \times S),

where :math:`\alpha_\varepsilon` (:func:`~catlearn.core.losses.learning_rate`) seeds the
backward pass with :math:`-\varepsilon` and the optimiser lens
:math:`(P \times S, P \times S) \to (P, P')` (:mod:`catlearn.core.optim`) reparametrises the
parameter wire: its get says where the model runs (Nesterov: the look-ahead), its put adds the
update direction :math:`d = -\varepsilon\nabla_p L` that comes back. Running get then put is one
step of gradient descent: ``put((p, s), (x, y), ()) = ((p', s'), (x', y'))``.

A minibatch of :math:`n` examples is the same composite on :math:`A^n`: the parameter wire is
copied to the :math:`n` copies of the model (so its put sums their contributions) and the loss
is the mean, whose put sends :math:`\delta/n` to each example (:func:`mean_loss`). That is
exactly what :func:`catlearn.training.fit` computes with ``jax.vmap`` and
``jax.value_and_grad``; ``tests/test_step.py`` checks the equality bit for bit, so ``fit`` is
the jitted evaluation of this composite lens.

Deep dreaming (§5) uses the same lenses with the roles of parameters and inputs swapped: the
parameters are fixed and the optimiser reparametrises the *input* wire (:func:`dream_step`).

>>> import jax.numpy as jnp
>>> from catlearn.core.lens import ParaLens
>>> from catlearn.core.losses import mse
>>> from catlearn.core.optim import sgd
>>> from catlearn.core.para import Para
>>> from catlearn.core.types import Euclid
>>> f = ParaLens.from_para(Para.linear(Euclid(1), Euclid(1), name="f", bias=False))
>>> step = supervised_step(f, mse(1), sgd(), learning_rate=0.1)  # the paper's convention
>>> params = step_params({"f": {"W": jnp.ones((1, 1))}}, sgd())
>>> new, _ = step.put(params, (jnp.ones(1), jnp.full(1, 3.0)), ())
>>> new["train"][0]["f"]["W"]  # W = 1 + 0.1 * 2 * (3 - 1)
Array([[1.4]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn import errors
from catlearn.core.lens import Lens, ParaLens
from catlearn.core.losses import learning_rate as alpha
from catlearn.core.losses import loss_lens
from catlearn.core.optim import Optimiser, as_optimiser
from catlearn.core.para import Para, Params, ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.errors import HyperparameterError, NotInvertibleError, ParamsError, SupportError

__all__ = [
    "batch_lens",
    "batched",
    "dream_step",
    "mean_loss",
    "step_params",
    "supervised_step",
]


def batched(ty: Ty, n: int) -> Ty:
    """The type of a minibatch of ``n`` values of ``ty``: every atom's shape gets a leading
    ``n`` (carried as ``Euclid(n, *shape)``: a batch wire records shapes only).

    >>> batched(Euclid(3) @ Fin(4), 8)
    Euclid(8, 3) @ Euclid(8)
    """
    if not isinstance(n, int) or n < 1:
        raise HyperparameterError(f"Expected a positive integer batch size, got {n!r}.")
    return Ty(*(Euclid(n, *atom.shape) for atom in ty))


def batch_lens(lens: Lens, n: int) -> Lens:
    """A lens run on ``n`` examples at once: get and put by ``jax.vmap``.

    >>> from catlearn.core.losses import mse
    >>> batch_lens(mse(2), 4).cod
    Euclid(4)
    """
    dom, cod = batched(lens.dom, n), batched(lens.cod, n)
    return Lens(jax.vmap(lens.get), jax.vmap(lens.put), dom, cod, name=f"{lens.name}^{n}")


def mean_loss(loss: Lens, n: int) -> Lens:
    r"""The mean of a per-example loss over ``n`` examples, :math:`\tfrac1n \sum_i \ell(z_i, y_i)`,
    as a lens whose put sends :math:`\delta / n` to every example.

    >>> from catlearn.core.losses import mse
    >>> m = mean_loss(mse(1), 2)
    >>> m.get((jnp.array([[1.0], [3.0]]), jnp.zeros((2, 1))))
    Array(5., dtype=float32)
    """
    _loss_cod(loss)
    dom = batched(loss.dom, n)

    def get(a: Any) -> Any:
        return jnp.mean(jax.vmap(loss.get)(a))

    def put(a: Any, dl: Any) -> Any:
        return jax.vmap(loss.put, in_axes=(0, None))(a, dl / n)

    return Lens(get, put, dom, Euclid(), name=f"mean {loss.name}")


def _loss_cod(loss: Any) -> None:
    if not isinstance(loss, Lens) or loss.cod != Euclid():
        raise errors.ArgumentTypeError(
            f"Expected a loss lens pred @ target -> Euclid() (e.g. catlearn.core.losses.mse(3) "
            f"or a name such as 'mse'), got {loss!r}."
        )


def _as_paralens(model: Any) -> ParaLens:
    if isinstance(model, Para):
        return ParaLens.from_para(model)
    if isinstance(model, ParaLens):
        return model
    raise errors.ArgumentTypeError(
        f"Expected the model as a ParaLens (or a Para, e.g. a compiled diagram), got {model!r}."
    )


def _as_loss(loss: Lens | str, model: ParaLens, target: Ty | None) -> Lens:
    if isinstance(loss, str):
        if target is None:
            cod = model.cod
            k = cod.inside[0].shape[-1] if len(cod) == 1 and cod.inside[0].shape else 0
            classes = loss == "softmax_cross_entropy" and k > 1
            target = Fin(k) if classes else cod
        return loss_lens(loss, model.cod, target)
    _loss_cod(loss)
    return loss


def _batch_model(model: ParaLens, n: int, para: Para | None) -> ParaLens:
    r"""``n`` copies of the model sharing one parameter (one group ``"model"``).

    For a :class:`ParaLens`: get by ``vmap``, and put sums the parameter cotangents (the put
    of copying the parameter wire ``n`` times). For a :class:`Para` ``f`` (e.g. a compiled
    diagram) this lens is :math:`R(\Delta ; f^{\otimes n}) = \Delta ; R(f)^{\otimes n}` (R is
    a functor), computed as the reverse derivative of the batched map, i.e. exactly the
    ``jax.vmap`` + ``jax.vjp`` that :func:`catlearn.training.fit` runs (same rounding)."""
    spec = dict(model.spec)
    if para is not None:

        def get(p: Any, xs: Any) -> Any:
            return para.apply_batch(p, xs)

        def put(p: Any, xs: Any, dys: Any) -> tuple[Any, Any]:
            _, vjp = jax.vjp(lambda q, x: para.apply_batch(q, x), p, xs)
            dp, dxs = vjp(dys)
            return dp, dxs
    else:

        def get(p: Any, xs: Any) -> Any:
            return jax.vmap(lambda x: model.get(p, x))(xs)

        def put(p: Any, xs: Any, dys: Any) -> tuple[Any, Any]:
            dps, dxs = jax.vmap(lambda x, dy: model.put(p, x, dy))(xs, dys)
            return jax.tree_util.tree_map(lambda t: jnp.sum(t, axis=0), dps), dxs

    return ParaLens(batched(model.dom, n), batched(model.cod, n), spec, get, put, name="model")


def _shape_dtype(shape: tuple[int, ...], dtype: Any) -> jax.ShapeDtypeStruct:
    """``jax.ShapeDtypeStruct(shape, dtype)`` (its constructor is unannotated in jax)."""
    return jax.ShapeDtypeStruct(shape, dtype)  # type: ignore[no-untyped-call]


def _state_spec(model: ParaLens, optimiser: Optimiser) -> Any:
    default = jnp.zeros(()).dtype

    def proto(s: ParamSpec) -> jax.ShapeDtypeStruct:
        return _shape_dtype(tuple(s.shape), s.dtype or default)

    shapes = jax.tree_util.tree_map(
        proto, dict(model.spec), is_leaf=lambda x: isinstance(x, ParamSpec)
    )
    state = jax.eval_shape(optimiser.init, shapes)
    return jax.tree_util.tree_map(lambda a: ParamSpec(tuple(a.shape), dtype=a.dtype), state)


def step_params(
    params: Params, optimiser: Optimiser | optax.GradientTransformation, *, name: str = "train"
) -> dict[str, Any]:
    """The parameters of a step lens: ``{name: (params, optimiser.init(params))}``.

    >>> from catlearn.core.optim import momentum
    >>> step_params({"f": jnp.zeros(2)}, momentum(0.1))["train"][1]
    MomentumState(velocity={'f': Array([0., 0.], dtype=float32)})
    """
    optimiser = as_optimiser(optimiser)
    return {name: (params, optimiser.init(params))}


def _label_guard(dom: Ty, first: int, tgt: Ty) -> Callable[[Any], jax.Array]:
    """The check of the class labels on the ``Fin(k)`` wires of ``tgt`` (atoms ``first..`` of
    ``dom``), one layer for the eager and the traced path: eagerly, a :class:`SupportError`
    naming the first label outside ``0..k-1``; in every case a scalar that is 0 when all
    labels are in range and NaN otherwise, computed by a gather that
    :func:`catlearn.core.checked` sees (so ``checked(step.put)`` raises under ``jit``)."""
    fins = [(first + i, atom.size) for i, atom in enumerate(tgt) if isinstance(atom, Fin)]

    def guard(a: Any) -> jax.Array:
        parts = dom.split(a)
        poison = jnp.zeros(())
        for i, k in fins:
            y = parts[i]
            if not isinstance(y, jax.core.Tracer):
                v = np.asarray(y)
                bad = (v < 0) | (v >= k) | (v != np.round(v))
                if bad.any():
                    where = tuple(int(j) for j in np.argwhere(bad)[0])
                    at = f" at example {where[0] if len(where) == 1 else where}" if where else ""
                    got = v[where].item() if where else v.item()
                    raise SupportError(
                        f"Expected class labels in 0..{k - 1} on the target wire Fin({k}), got "
                        f"{got!r}{at}. Re-encode the labels as "
                        f"0..{k - 1}, or widen the model's output to the number of classes."
                    )
            labels = jnp.asarray(y).astype(jnp.int32)
            hit = (
                jnp.zeros((k,))
                .at[labels]
                .get(mode="fill", fill_value=jnp.nan, wrap_negative_indices=False)
            )
            poison = poison + jnp.sum(hit)
        return poison

    return guard


def _poisoned(tree: Any, poison: jax.Array) -> Any:
    """``tree`` with ``poison`` (0 or NaN) added to its floating leaves."""
    return jax.tree_util.tree_map(
        lambda x: (
            x + poison.astype(x.dtype) if jnp.issubdtype(jnp.result_type(x), jnp.inexact) else x
        ),
        tree,
    )


def supervised_step(
    model: ParaLens | Para,
    loss: Lens | str,
    optimiser: Optimiser | optax.GradientTransformation,
    *,
    learning_rate: float = 1.0,
    batch_size: int | None = None,
    target: Ty | None = None,
    name: str = "train",
) -> ParaLens:
    r"""The supervised learning step as a parametric lens (see the module docstring).

    ``reparam_opt((model @ target) >> loss >> learning_rate(ε))``: a :class:`ParaLens`
    ``A @ B' -> Ty()`` with one parameter group ``name`` holding ``(params, opt_state)``
    (make it with :func:`step_params`). Its get is the loss (a ``()`` output, as
    :math:`\alpha` discards it; read the loss with ``(model @ target) >> loss``); its put is
    one training step: ``put({name: (p, s)}, (x, y), ()) = ({name: (p', s')}, (x', y'))``.

    Class labels on a ``Fin(k)`` target wire are checked by get and put (the policy of
    :mod:`catlearn.errors`): called eagerly, a label outside ``0..k-1`` raises
    :class:`~catlearn.errors.SupportError` naming it; under ``jit``/``vmap`` it makes the
    updated parameters NaN (never a silent step that skips the example), and
    ``catlearn.core.checked(step.put)`` raises :class:`~catlearn.errors.TracedCheckError`.

    Parameters
    ----------
    model:
        A :class:`ParaLens` on one example (a :class:`~catlearn.core.para.Para`, e.g. a
        compiled diagram, is taken as its reverse-derivative lens).
    loss:
        A loss lens ``pred @ target -> Euclid()``, or a name of the loss/error vocabulary
        :data:`catlearn.core.losses.LOSSES` (the function ``fit(loss=name)`` uses; class labels
        ``Fin(k)`` for ``"softmax_cross_entropy"``).
    optimiser:
        An optimiser lens (:mod:`catlearn.core.optim`), or an ``optax.GradientTransformation``
        (taken as :func:`~catlearn.core.optim.from_optax`; pass the same one to
        :func:`step_params`).
    learning_rate:
        :math:`\varepsilon` of :math:`\alpha_\varepsilon`. Paper style: ``sgd()`` and
        ``learning_rate=ε``; optax style (exact for adaptive optimisers): the optimiser's own
        ``lr`` and ``learning_rate=1``.
    batch_size:
        ``None``: one example per step. ``n``: a minibatch (values with a leading axis ``n``),
        the mean loss over it.
    target:
        The target wire when ``loss`` is a name (default: labels for cross-entropy, else the
        model's output type).

    Examples
    --------
    >>> from catlearn.core.optim import adam
    >>> from catlearn.core.types import Euclid
    >>> model = Para.linear(Euclid(3), Euclid(2), name="fc")
    >>> step = supervised_step(model, "mse", adam(0.1), batch_size=4)
    >>> params = step_params(model.init(jax.random.key(0)), adam(0.1))
    >>> new, _ = jax.jit(step.put)(params, (jnp.ones((4, 3)), jnp.zeros((4, 2))), ())
    >>> int(new["train"][1].count)
    1
    """
    para = model if isinstance(model, Para) else None
    model = _as_paralens(model)
    optimiser = as_optimiser(optimiser)  # an optax transformation through from_optax
    if not model.spec:
        raise ParamsError(f"{model!r} has no parameters to train. Expected a model with some.")
    loss = _as_loss(loss, model, target)
    tgt = loss.dom[len(model.cod) :]
    if batch_size is None:
        composite = (model @ tgt) >> ParaLens.from_lens(loss >> alpha(learning_rate))
        wrap: Callable[[Any], Any] = lambda p: p  # noqa: E731
        unwrap: Callable[[Any], Any] = lambda d: d  # noqa: E731
        dom = model.dom @ tgt
    else:
        tgt_n = batched(tgt, batch_size)
        closing = mean_loss(loss, batch_size) >> alpha(learning_rate)
        composite = (_batch_model(model, batch_size, para) @ tgt_n) >> ParaLens.from_lens(closing)
        wrap, unwrap = (lambda p: {"model": p}), (lambda d: d["model"])
        dom = batched(model.dom, batch_size) @ tgt_n
    spec = (dict(model.spec), _state_spec(model, optimiser))
    guard = _label_guard(dom, len(model.dom), tgt)

    def get(ps: Any, a: Any) -> Any:
        p, s = ps
        guard(a)  # eager: a typed error; traced: put poisons the step (get's output is ())
        return composite.get(wrap(optimiser.get(p, s)), a)

    def put(ps: Any, a: Any, unit: Any) -> tuple[Any, Any]:
        p, s = ps
        poison = guard(a)
        dp, da = composite.put(wrap(optimiser.get(p, s)), a, unit)
        new_p, new_s = optimiser.put(p, s, unwrap(dp))
        return (_poisoned(new_p, poison), new_s), da

    return ParaLens(dom, Ty(), spec, get, put, name=name)


def dream_step(
    model: ParaLens | Para,
    params: Params,
    loss: Lens | str,
    optimiser: Optimiser | optax.GradientTransformation,
    *,
    learning_rate: float = 1.0,
    target: Ty | None = None,
    name: str = "dream",
) -> ParaLens:
    r"""Deep dreaming (Cruttwell et al., §5): learn the **input** with the same lenses.

    The parameters ``params`` are fixed and the optimiser reparametrises the input wire:
    a :class:`ParaLens` ``B' -> Ty()`` whose parameter group ``name`` holds ``(x, s)`` and
    whose put is ``((x + u, s'), y')``, with ``u`` from the input's update direction
    :math:`-\varepsilon \nabla_x \ell(f(p, x), y)`.

    >>> from catlearn.core.optim import sgd
    >>> from catlearn.core.types import Euclid
    >>> f = Para.linear(Euclid(2), Euclid(1), name="f", bias=False)
    >>> p = {"f": {"W": jnp.array([[1.0], [2.0]])}}
    >>> dream = dream_step(f, p, "mse", sgd(0.1))
    >>> new, _ = dream.put({"dream": (jnp.zeros(2), ())}, jnp.ones(1), ())
    >>> new["dream"][0]  # x + 0.1 * 2 * (1 - 0) * W
    Array([0.2, 0.4], dtype=float32)
    """
    model = _as_paralens(model)
    if any(isinstance(atom, Fin) for atom in model.dom) or any(
        (dtype := getattr(atom, "dtype", None)) is not None
        and not jnp.issubdtype(dtype, jnp.inexact)
        for atom in model.dom
    ):
        raise NotInvertibleError(
            f"{model!r} reads a discrete input ({model.dom}): its request (the backward value "
            "on the input wire) does not exist, so the input cannot be learned. Expected a "
            "model with Euclidean inputs (learn an embedding of the labels instead)."
        )
    model.check_params(params)
    optimiser = as_optimiser(optimiser)
    loss = _as_loss(loss, model, target)
    tgt = loss.dom[len(model.cod) :]
    composite = (model @ tgt) >> ParaLens.from_lens(loss >> alpha(learning_rate))
    default = jnp.zeros(()).dtype
    xshape = [_shape_dtype(a.shape, getattr(a, "dtype", None) or default) for a in model.dom]
    x0 = model.dom.join(xshape)
    sspec = jax.tree_util.tree_map(
        lambda a: ParamSpec(tuple(a.shape), dtype=a.dtype), jax.eval_shape(optimiser.init, x0)
    )
    xspec = model.dom.join([ParamSpec(a.shape) for a in model.dom])

    both = model.dom @ tgt

    def get(xs: Any, y: Any) -> Any:
        x, s = xs
        return composite.get(params, both.join(model.dom.split(optimiser.get(x, s)) + tgt.split(y)))

    def put(xs: Any, y: Any, unit: Any) -> tuple[Any, Any]:
        x, s = xs
        a = both.join(model.dom.split(optimiser.get(x, s)) + tgt.split(y))
        _, da = composite.put(params, a, unit)
        das = both.split(da)
        dx = model.dom.join(das[: len(model.dom)])
        return optimiser.put(x, s, dx), tgt.join(das[len(model.dom) :])

    return ParaLens(tgt, Ty(), (xspec, sspec), get, put, name=name)
