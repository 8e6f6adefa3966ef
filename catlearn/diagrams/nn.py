r"""Ready neural-network boxes, each with its default Para semantics.

Every function here returns a :class:`~catlearn.diagrams.diagram.Box` (or a small diagram of boxes)
whose ``spec`` is a frozen dataclass with a ``to_para(box)`` method: :func:`~catlearn.diagrams.compiler.compile`
uses it when ``ar`` does not override the box. The semantics act on **one example** (a
vector ``x`` of shape ``(n,)`` for :func:`Linear`, an image ``(H, W, C)`` for :func:`Conv2D`);
batches go through ``jax.vmap``, which XLA lowers to the same matmuls and convolutions as
hand-written batch code. Parameters are named by the box: the group ``params['fc1']`` holds
``{'W': ..., 'b': ...}`` of the box called ``fc1``.

Boxes with parameters get a fresh name (``linear1``, ``linear2``, ...) unless one is given;
give names (``name='fc1'``) for stable checkpoints. Reusing a box object ties its weights.

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams.compiler import compile
>>> model = MLP([4, 8, 3], activation='relu', name='fc')
>>> [b.name for b in model.boxes]
['fc1', 'relu', 'fc2']
>>> net = compile(model)
>>> params = net.init(jax.random.key(0))
>>> net.apply_batch(params, jnp.ones((5, 4))).shape
(5, 3)

Layers follow the usual definitions: affine maps and initialisers (LeCun et al., *Efficient
BackProp*; Glorot, Bengio 2010; He et al. 2015), layer normalisation (Ba, Kiros, Hinton
2016), dropout (Srivastava et al. 2014); as arrows of Para they are the parametrised maps of
Fong, Spivak, Tuyéras, *Backprop as Functor*.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.diagrams.diagram import Box, Diagram, chain
from catlearn.errors import DiagramError, HyperparameterError, TypeMismatch

__all__ = [
    "MLP",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "LayerNorm",
    "Linear",
    "OneHot",
    "Repeat",
    "activation",
    "box_from_function",
    "gelu",
    "inference",
    "initializer",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_INITS: dict[str, Callable[[], Any]] = {
    "lecun_normal": jax.nn.initializers.lecun_normal,
    "lecun_uniform": jax.nn.initializers.lecun_uniform,
    "glorot_normal": jax.nn.initializers.glorot_normal,
    "glorot_uniform": jax.nn.initializers.glorot_uniform,
    "he_normal": jax.nn.initializers.he_normal,
    "he_uniform": jax.nn.initializers.he_uniform,
    "zeros": lambda: jax.nn.initializers.zeros,
    "ones": lambda: jax.nn.initializers.ones,
    "normal": lambda: jax.nn.initializers.normal(1e-2),
}

_COUNTERS: dict[str, itertools.count[int]] = {}


def initializer(name: str) -> Any:
    """The :mod:`jax.nn.initializers` initialiser called ``name``.

    Names: ``lecun_normal`` (default of :func:`Linear`), ``lecun_uniform``,
    ``glorot_normal``, ``glorot_uniform``, ``he_normal``, ``he_uniform``, ``zeros``,
    ``ones``, ``normal`` (std 0.01).

    >>> initializer('zeros')(jax.random.key(0), (2,), jnp.float32)
    Array([0., 0.], dtype=float32)
    """
    if not isinstance(name, str) or name not in _INITS:
        raise HyperparameterError(f"Expected an initialiser among {sorted(_INITS)}, got {name!r}.")
    return _initializer(name)


@functools.cache
def _initializer(name: str) -> Any:
    # One object per name: parameters drawn by the same initialiser are initialised together
    # (one jitted vmap per kind of array, see Para.init).
    return _INITS[name]()


def _fresh(prefix: str) -> str:
    counter = _COUNTERS.setdefault(prefix, itertools.count(1))
    return f"{prefix}{next(counter)}"


def _euclid(ty: Any, what: str = "wire") -> Euclid:
    if isinstance(ty, int):
        return Euclid(ty)
    if isinstance(ty, tuple):
        return Euclid(*ty)
    if isinstance(ty, Euclid):
        return ty
    raise DiagramError(f"Expected a real wire Euclid(...) (or an int) for the {what}, got {ty!r}.")


def _vector(ty: Any, what: str) -> Euclid:
    e = _euclid(ty, what)
    if len(e.shape) != 1:
        raise DiagramError(
            f"Expected a vector wire Euclid(n) for the {what}, got {e}; insert Flatten({e}) first."
        )
    return e


# --- Linear ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearSpec:
    """Spec of an affine box ``x -> x W + b``."""

    bias: bool = True
    init: str = "lecun_normal"
    bias_init: str = "zeros"

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``(W, b), x -> x W + b`` (``W`` of shape ``(n, m)``)."""
        (n,), (m,) = box.dom.inside[0].shape, box.cod.inside[0].shape
        spec = {"W": ParamSpec((n, m), initializer(self.init))}
        if self.bias:
            spec["b"] = ParamSpec((m,), initializer(self.bias_init))
            return Para(box.dom, box.cod, spec, lambda p, x: x @ p["W"] + p["b"], name=box.name)
        return Para(box.dom, box.cod, spec, lambda p, x: x @ p["W"], name=box.name)


def Linear(
    dom: Euclid | int,
    cod: Euclid | int,
    *,
    bias: bool = True,
    init: str = "lecun_normal",
    bias_init: str = "zeros",
    name: str | None = None,
) -> Box:
    r"""The affine box :math:`x \mapsto xW + b` from ``Euclid(n)`` to ``Euclid(m)``.

    ``W`` is initialised by ``init`` (LeCun normal by default, :func:`initializer` lists
    the others), ``b`` by zeros. Ints stand for ``Euclid(n)``.

    >>> fc = Linear(64, 128, name='fc1')
    >>> fc, fc.spec
    (Box('fc1': Euclid(64) -> Euclid(128)), LinearSpec(bias=True, init='lecun_normal', bias_init='zeros'))
    """
    d, c = _vector(dom, "domain of Linear"), _vector(cod, "codomain of Linear")
    initializer(init), initializer(bias_init)
    return Box(name or _fresh("linear"), d, c, LinearSpec(bias, init, bias_init))


def Dense(
    dom: Euclid | int,
    cod: Euclid | int,
    *,
    activation: str | None = "relu",
    name: str | None = None,
    **kwargs: Any,
) -> Diagram:
    """:func:`Linear` followed by an activation (``None`` for none).

    >>> [b.name for b in Dense(3, 4, activation='tanh', name='h').boxes]
    ['h', 'tanh']
    """
    lin = Linear(dom, cod, name=name, **kwargs)
    return lin if activation is None else lin >> _activation_box(activation, lin.cod)


def MLP(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    final: str | None = None,
    name: str = "fc",
    init: str = "lecun_normal",
) -> Diagram:
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]`` as one chain of boxes.

    Linear boxes are named ``{name}1``, ``{name}2``, ...; ``activation`` goes between them,
    ``final`` (e.g. ``'softmax'``) after the last one.

    >>> MLP([64, 128, 10]).cod
    Euclid(10)
    """
    if not isinstance(sizes, list | tuple) or len(sizes) < 2:
        raise DiagramError(f"Expected a list of >= 2 layer sizes for an MLP, got {sizes!r:.60}.")
    parts: list[Diagram] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        parts.append(Linear(a, b, name=f"{name}{i + 1}", init=init))
        if i < len(sizes) - 2:
            parts.append(_activation_box(activation, Euclid(b)))
    if final is not None:
        parts.append(_activation_box(final, Euclid(sizes[-1])))
    return chain(*parts)


# --- activations -----------------------------------------------------------------------------

_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "gelu": jax.nn.gelu,
    "softmax": jax.nn.softmax,
    "log_softmax": jax.nn.log_softmax,
    "softplus": jax.nn.softplus,
    "identity": lambda x: x,
}


@dataclass(frozen=True)
class ActivationSpec:
    """Spec of an elementwise (or, for softmax, last-axis) parameter-free box."""

    kind: str

    def to_para(self, box: Box) -> Para:
        """The parameter-free Para arrow ``x -> act(x)``."""
        return Para.from_function(_ACTIVATIONS[self.kind], box.dom, box.cod)


def activation(kind: str, ty: Euclid | int) -> Box:
    """The box ``ty -> ty`` applying ``kind`` (relu, tanh, sigmoid, gelu, softmax,
    log_softmax, softplus, identity); softmax acts on the last axis.

    >>> activation('gelu', 3)
    Box('gelu': Euclid(3) -> Euclid(3))
    """
    return _activation_box(kind, ty)


def _activation_box(kind: str, ty: Any) -> Box:
    if not isinstance(kind, str) or kind not in _ACTIVATIONS:
        raise HyperparameterError(
            f"Expected an activation among {sorted(_ACTIVATIONS)}, got {kind!r}."
        )
    e = _euclid(ty)
    return Box(kind, e, e, ActivationSpec(kind))


def relu(ty: Euclid | int) -> Box:
    """``max(x, 0)`` elementwise.

    >>> relu(3).cod
    Euclid(3)
    """
    return _activation_box("relu", ty)


def tanh(ty: Euclid | int) -> Box:
    """``tanh(x)`` elementwise.

    >>> tanh(3).name
    'tanh'
    """
    return _activation_box("tanh", ty)


def sigmoid(ty: Euclid | int) -> Box:
    """``1 / (1 + exp(-x))`` elementwise.

    >>> sigmoid(3).name
    'sigmoid'
    """
    return _activation_box("sigmoid", ty)


def gelu(ty: Euclid | int) -> Box:
    """``x Φ(x)`` elementwise (tanh approximation, as :func:`jax.nn.gelu`).

    >>> gelu(3).name
    'gelu'
    """
    return _activation_box("gelu", ty)


def softmax(ty: Euclid | int) -> Box:
    """``exp(x_i) / Σ_j exp(x_j)`` over the last axis.

    >>> softmax(3).name
    'softmax'
    """
    return _activation_box("softmax", ty)


# --- shape boxes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlattenSpec:
    """Spec of the reshaping box ``Euclid(*shape) -> Euclid(prod(shape))``."""

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``x -> x.reshape(-1)``."""
        return Para.from_function(lambda x: jnp.reshape(x, (-1,)), box.dom, box.cod)


def Flatten(ty: Euclid | tuple[int, ...]) -> Box:
    """Reshape an array wire into a vector: ``Euclid(H, W, C) -> Euclid(H*W*C)``.

    >>> Flatten(Euclid(8, 8, 1)).cod
    Euclid(64)
    """
    e = _euclid(ty)
    return Box("flatten", e, Euclid(e.size), FlattenSpec())


@dataclass(frozen=True)
class OneHotSpec:
    """Spec of the box ``Fin(k) -> Euclid(k)``, ``i -> e_i``."""

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``i -> one_hot(i, k)``."""
        k = box.cod.shapes[0][0]
        return Para.from_function(lambda i: jax.nn.one_hot(i, k), box.dom, box.cod)


def OneHot(k: int | Fin) -> Box:
    """A label as a one-hot vector: ``Fin(k) -> Euclid(k)``.

    >>> OneHot(3).dom, OneHot(3).cod
    (Fin(3), Euclid(3))
    """
    fin = k if isinstance(k, Fin) else Fin(k)
    return Box("one_hot", fin, Euclid(fin.size), OneHotSpec())


@dataclass(frozen=True)
class EmbeddingSpec:
    """Spec of a lookup table ``Fin(k) -> Euclid(d)``."""

    init: str = "normal"

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``E, i -> E[i]``."""
        k, (d,) = box.dom.inside[0].size, box.cod.shapes[0]
        spec = {"E": ParamSpec((k, d), initializer(self.init))}
        return Para(box.dom, box.cod, spec, lambda p, i: p["E"][i], name=box.name)


def Embedding(k: int | Fin, dim: int, *, init: str = "normal", name: str | None = None) -> Box:
    """A learned table of ``k`` vectors: ``Fin(k) -> Euclid(dim)``, ``i -> E[i]``.

    >>> Embedding(5, 2, name='emb').cod
    Euclid(2)
    """
    fin = k if isinstance(k, Fin) else Fin(k)
    initializer(init)
    return Box(name or _fresh("embedding"), fin, Euclid(dim), EmbeddingSpec(init))


# --- convolution, normalisation, dropout ----------------------------------------------------


@dataclass(frozen=True)
class Conv2DSpec:
    """Spec of a 2-d convolution on one ``(H, W, C)`` image (HWIO kernel)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: str
    bias: bool = True
    init: str = "lecun_normal"

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``(K, b), x -> conv(x, K) + b``."""
        (_, _, c_in), (_, _, c_out) = box.dom.shapes[0], box.cod.shapes[0]
        spec = {"K": ParamSpec((*self.kernel, c_in, c_out), initializer(self.init))}
        if self.bias:
            spec["b"] = ParamSpec((c_out,))
        stride, padding, bias = self.stride, self.padding, self.bias

        def fn(p: Any, x: Any) -> Any:
            y = jax.lax.conv_general_dilated(
                x[None], p["K"], stride, padding, dimension_numbers=("NHWC", "HWIO", "NHWC")
            )[0]
            return y + p["b"][None, None, :] if bias else y

        return Para(box.dom, box.cod, spec, fn, name=box.name)


def Conv2D(
    dom: Euclid | tuple[int, int, int],
    features: int,
    kernel_size: int | tuple[int, int] = 3,
    *,
    stride: int | tuple[int, int] = 1,
    padding: str = "SAME",
    bias: bool = True,
    init: str = "lecun_normal",
    name: str | None = None,
) -> Box:
    """A 2-d convolution ``Euclid(H, W, C) -> Euclid(H', W', features)`` (channels last).

    ``padding`` is ``'SAME'`` (``H' = ceil(H / stride)``) or ``'VALID'``
    (``H' = ceil((H - k + 1) / stride)``).

    >>> Conv2D(Euclid(8, 8, 1), 4, 3, name='conv').cod
    Euclid(8, 8, 4)
    >>> Conv2D((8, 8, 1), 4, 3, stride=2, padding='VALID', name='c2').cod
    Euclid(3, 3, 4)
    """
    e = _euclid(dom, "domain of Conv2D")
    if len(e.shape) != 3:
        raise DiagramError(f"Expected an image wire Euclid(H, W, C) for Conv2D, got {e}.")
    kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    strides = (stride, stride) if isinstance(stride, int) else tuple(stride)
    padding = padding.upper()
    if padding not in {"SAME", "VALID"}:
        raise HyperparameterError(f"Expected padding 'SAME' or 'VALID', got {padding!r}.")
    h, w, _ = e.shape
    if padding == "SAME":
        out = [math.ceil(n / s) for n, s in zip((h, w), strides)]
    else:
        out = [math.ceil((n - k + 1) / s) for n, k, s in zip((h, w), kernel, strides)]
    if min(out) < 1:
        raise DiagramError(f"Conv2D kernel {kernel} is larger than the image {e}.")
    initializer(init)
    spec = Conv2DSpec(kernel, strides, padding, bias, init)  # type: ignore[arg-type]
    return Box(name or _fresh("conv"), e, Euclid(*out, features), spec)


@dataclass(frozen=True)
class LayerNormSpec:
    """Spec of layer normalisation over the last axis, with learned scale and bias."""

    eps: float = 1e-5

    def to_para(self, box: Box) -> Para:
        r"""The Para arrow :math:`x \mapsto \gamma (x - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta`."""
        d = box.dom.shapes[0][-1]
        spec = {"scale": ParamSpec((d,), jax.nn.initializers.ones), "bias": ParamSpec((d,))}
        eps = self.eps

        def fn(p: Any, x: Any) -> Any:
            mu = jnp.mean(x, axis=-1, keepdims=True)
            var = jnp.var(x, axis=-1, keepdims=True)
            shape = (1,) * (x.ndim - 1) + (d,)
            scale, bias = p["scale"].reshape(shape), p["bias"].reshape(shape)
            return (x - mu) * jax.lax.rsqrt(var + eps) * scale + bias

        return Para(box.dom, box.cod, spec, fn, name=box.name)


def LayerNorm(ty: Euclid | int, *, eps: float = 1e-5, name: str | None = None) -> Box:
    r"""Layer normalisation (Ba et al. 2016) over the last axis:
    :math:`\gamma \odot (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta`.

    >>> LayerNorm(4, name='ln').spec
    LayerNormSpec(eps=1e-05)
    """
    e = _euclid(ty)
    return Box(name or _fresh("layernorm"), e, e, LayerNormSpec(float(eps)))


@dataclass(frozen=True)
class DropoutSpec:
    """Spec of (inverted) dropout with drop probability ``rate``."""

    rate: float

    def to_para(self, box: Box) -> Para:
        """The stochastic Para arrow ``x, key -> x * mask / (1 - rate)``."""
        rate = self.rate

        def fn(p: Any, x: Any, key: Any) -> Any:
            if rate == 0.0:
                return x
            keep = jax.random.bernoulli(key, 1.0 - rate, jnp.shape(x))
            return jnp.where(keep, x / (1.0 - rate), jnp.zeros_like(x))

        return Para(box.dom, box.cod, None, fn, stochastic=True)


def Dropout(ty: Euclid | int, rate: float = 0.5) -> Box:
    """Dropout (Srivastava et al. 2014): zero each coordinate with probability ``rate`` and
    scale the rest by ``1 / (1 - rate)``. Its Para arrow is stochastic (``key=``); compile
    with ``ar=inference()`` for the deterministic (identity) version used at test time.

    >>> Dropout(4, 0.1)
    Box('dropout': Euclid(4) -> Euclid(4))
    """
    if not 0.0 <= float(rate) < 1.0:
        raise HyperparameterError(f"Expected a dropout rate in [0, 1), got {rate!r}.")
    e = _euclid(ty)
    return Box("dropout", e, e, DropoutSpec(float(rate)))


def inference(ar: Any = None) -> Callable[[Box], Any]:
    """An ``ar`` for :func:`~catlearn.diagrams.compiler.compile` giving the test-time semantics:
    :func:`Dropout` boxes become identities; other boxes use ``ar`` (or their default).

    >>> from catlearn.diagrams.compiler import compile
    >>> d = Linear(2, 2, name='a') >> Dropout(2, 0.5)
    >>> compile(d).stochastic, compile(d, inference()).stochastic
    (True, False)
    """
    from catlearn.diagrams.compiler import lookup

    def arrows(box: Box) -> Any:
        if isinstance(box.spec, DropoutSpec):
            return Para.id(box.dom)
        return lookup(ar, box)

    return arrows


# --- repeated blocks (stacked parameters, one lax.scan) -------------------------------------


def _stacked_init(spec: ParamSpec, n: int) -> Any:
    """An initialiser drawing ``n`` independent arrays of ``spec`` stacked on a new axis 0
    (each drawn by ``spec.init`` at its own shape, so fan-in/fan-out are those of one layer)."""
    inner, shape = spec.init, tuple(spec.shape)

    def init(key: Any, stacked_shape: tuple[int, ...], dtype: Any) -> Any:
        keys = jax.random.split(key, n)
        return jax.vmap(lambda k: inner(k, shape, dtype))(keys)

    return init


@dataclass(frozen=True)
class RepeatSpec:
    """Spec of ``n`` repeats of a block ``A -> A`` with parameters stored stacked."""

    block: Diagram
    n: int

    def to_para(self, box: Box) -> Para:
        """The Para arrow ``P, x -> scan(B, x, P)`` (``P`` = the block's parameters stacked
        along a new leading axis of size ``n``)."""
        from catlearn.diagrams.compiler import compile as _compile

        inner = _compile(self.block)
        n = self.n
        stacked = jax.tree_util.tree_map(
            lambda s: ParamSpec((n, *s.shape), _stacked_init(s, n), s.dtype),
            inner.spec,
            is_leaf=lambda s: isinstance(s, ParamSpec),
        )
        call = inner._call

        if inner.stochastic:

            def fn_key(p: Any, x: Any, key: Any) -> Any:
                def step(h: Any, pk: Any) -> Any:
                    return call(pk[0], h, pk[1]), None

                return jax.lax.scan(step, x, (p, jax.random.split(key, n)), length=n)[0]

            return Para(box.dom, box.cod, stacked, fn_key, name=box.name, stochastic=True)

        def fn(p: Any, x: Any) -> Any:
            return jax.lax.scan(lambda h, q: (call(q, h, None), None), x, p, length=n)[0]

        return Para(box.dom, box.cod, stacked, fn, name=box.name)


def Repeat(block: Diagram, n: int, *, name: str | None = None) -> Box:
    r"""``n`` repeats of a block :math:`B : A \to A`, with parameters stored **stacked** and
    run by one :func:`jax.lax.scan` (opt-in alternative to ``block >> block >> ...``).

    With :math:`(P, f)` the Para arrow of ``block``, ``Repeat(block, n)`` is the arrow
    :math:`(P^n, f_n)` with

    .. math::
       f_n\big((p_1, \dots, p_n), x\big) = f(p_n, f(p_{n-1}, \dots f(p_1, x))),

    i.e. the unrolled chain of ``n`` *independent* copies of the block (not weight tying).
    Its parameters are ONE group named ``name`` holding the block's parameter dict with every
    array stacked along a new leading axis of size ``n`` (``params[name][g][k][i]`` is
    layer ``i``'s array ``k`` of the block's group ``g``); each layer is initialised by the
    block's own initialisers at the layer's shape. The traced program (and its gradient)
    does not grow with ``n``, and XLA compiles it in roughly constant time (see
    :func:`catlearn.diagrams.compiler.para_from_program`). Stochastic blocks get one key per layer.

    Examples
    --------
    >>> from catlearn.diagrams.compiler import compile
    >>> deep = Repeat(Linear(8, 8, name='fc') >> relu(8), 50, name='body')
    >>> net = compile(Linear(4, 8, name='inp') >> deep)
    >>> params = net.init(jax.random.key(0))
    >>> params['body']['fc']['W'].shape
    (50, 8, 8)
    >>> net.apply_batch(params, jnp.ones((3, 4))).shape
    (3, 8)
    """
    if not isinstance(block, Diagram):
        raise DiagramError(f"Expected a Diagram (or a box) as the block of Repeat, got {block!r}.")
    if block.dom != block.cod:
        raise TypeMismatch(
            f"Repeat needs a block from a type to itself, got {block!r} from {block.dom} to "
            f"{block.cod}. Expected dom == cod."
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise HyperparameterError(f"Expected a positive int number of repeats, got {n!r}.")
    return Box(name or _fresh("repeat"), block.dom, block.cod, RepeatSpec(block, n))


# --- user-declared boxes --------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    """Spec of a box declared from a JAX function (hashable: the function and a frozen
    parameter spec)."""

    fn: Callable[..., Any]
    params: Any  # _Frozen | None
    stochastic: bool = False

    def to_para(self, box: Box) -> Para:
        """The Para arrow of ``fn``."""
        if self.params is None:
            fn = self.fn
            if self.stochastic:
                return Para(box.dom, box.cod, None, lambda p, x, k: fn(x, k), stochastic=True)
            return Para.from_function(fn, box.dom, box.cod)
        spec = self.params.thaw()
        return Para(box.dom, box.cod, spec, self.fn, name=box.name, stochastic=self.stochastic)


@dataclass(frozen=True)
class _Frozen:
    treedef: Any
    leaves: tuple[Any, ...]

    @classmethod
    def freeze(cls, tree: Any) -> _Frozen:
        leaves, treedef = jax.tree_util.tree_flatten(
            tree, is_leaf=lambda x: isinstance(x, ParamSpec)
        )
        bad = [x for x in leaves if not isinstance(x, ParamSpec)]
        if bad:
            raise DiagramError(
                f"Expected a pytree of ParamSpec(shape, init) as params_spec, got a leaf "
                f"{bad[0]!r}."
            )
        return cls(treedef, tuple(leaves))

    def thaw(self) -> Any:
        return jax.tree_util.tree_unflatten(self.treedef, list(self.leaves))


def box_from_function(
    name: str,
    dom: Ty,
    cod: Ty,
    fn: Callable[..., Any],
    params_spec: Any = None,
    *,
    stochastic: bool = False,
) -> Box:
    """Declare a box from any JAX function acting on one example.

    With ``params_spec`` (a pytree of :class:`~catlearn.core.para.ParamSpec`), ``fn(params, x)``
    receives the box's parameter group; without, ``fn(x)``. With ``stochastic=True`` the
    function also takes a PRNG key last. Values follow :mod:`catlearn.core.types` (a tuple for
    several wires).

    >>> from catlearn.diagrams.compiler import compile
    >>> from catlearn.core.para import ParamSpec
    >>> scale = box_from_function('scale', Euclid(2), Euclid(2), lambda p, x: p['s'] * x,
    ...                          {'s': ParamSpec((), jax.nn.initializers.ones)})
    >>> net = compile(scale)
    >>> net(net.init(jax.random.key(0)), jnp.array([1.0, 2.0]))
    Array([1., 2.], dtype=float32)
    """
    if not callable(fn):
        raise DiagramError(f"Expected a function for box {name!r}, got {fn!r}.")
    frozen = None if params_spec is None else _Frozen.freeze(params_spec)
    return Box(name, dom, cod, FunctionSpec(fn, frozen, stochastic))


# vision boxes live in catlearn.diagrams.vision (re-exported here; imported last: it uses nn)
from catlearn.diagrams.vision import AvgPool2D as AvgPool2D  # noqa: E402
from catlearn.diagrams.vision import BatchNorm as BatchNorm  # noqa: E402
from catlearn.diagrams.vision import GlobalAvgPool as GlobalAvgPool  # noqa: E402
from catlearn.diagrams.vision import MaxPool2D as MaxPool2D  # noqa: E402
from catlearn.diagrams.vision import apply_stateful as apply_stateful  # noqa: E402
