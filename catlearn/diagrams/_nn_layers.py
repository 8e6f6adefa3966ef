"""The basic layers of :mod:`catlearn.diagrams.nn` (private; import them from there).

Initialisers, affine boxes (:func:`Linear`, :func:`Dense`, :func:`MLP`), activations, and the
shape boxes (:func:`Flatten`, :func:`OneHot`, :func:`Embedding`). An anonymous layer (no
``name=``) is an :class:`~catlearn.diagrams._naming.AnonymousBox`, named from its position when
compiled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.diagrams._naming import AnonymousBox
from catlearn.diagrams.diagram import Box, Diagram, chain
from catlearn.errors import DiagramError, HyperparameterError

Wire = Euclid | int | tuple[int, ...] | Box | Diagram
"""What a layer takes for a wire: a ``Euclid`` type, an int ``n`` (``Euclid(n)``), a shape
tuple, or the box (diagram) it follows (its one real output wire)."""

# One object per name: parameters drawn by the same initialiser are initialised together
# (one jitted vmap per kind of array, see Para.init). A constant table, built at import.
_INITS: dict[str, Any] = {
    "lecun_normal": jax.nn.initializers.lecun_normal(),
    "lecun_uniform": jax.nn.initializers.lecun_uniform(),
    "glorot_normal": jax.nn.initializers.glorot_normal(),
    "glorot_uniform": jax.nn.initializers.glorot_uniform(),
    "he_normal": jax.nn.initializers.he_normal(),
    "he_uniform": jax.nn.initializers.he_uniform(),
    "zeros": jax.nn.initializers.zeros,
    "ones": jax.nn.initializers.ones,
    "normal": jax.nn.initializers.normal(1e-2),
}


def initializer(name: str) -> Any:
    """The :mod:`jax.nn.initializers` initialiser called ``name``.

    Names: ``lecun_normal`` (default of :func:`Linear`), ``lecun_uniform``,
    ``glorot_normal``, ``glorot_uniform``, ``he_normal``, ``he_uniform``, ``zeros``,
    ``ones``, ``normal`` (std 0.01).

    >>> import jax, jax.numpy as jnp
    >>> initializer('zeros')(jax.random.key(0), (2,), jnp.float32)
    Array([0., 0.], dtype=float32)
    """
    if not isinstance(name, str) or name not in _INITS:
        raise HyperparameterError(f"Expected an initialiser among {sorted(_INITS)}, got {name!r}.")
    return _INITS[name]


def layer_box(name: str | None, kind: str, dom: Ty, cod: Ty, spec: Hashable) -> Box:
    """The box of a layer: called ``name`` when one is given, else an anonymous box of
    ``kind`` that the compiler names from its position (``linear_0``, ``linear_1``, ...)."""
    if name:
        return Box(name, dom, cod, spec)
    return AnonymousBox(kind, dom, cod, spec)


def _euclid(ty: Wire, what: str = "wire") -> Euclid:
    """The wire: a Euclid, an int, a shape tuple, or the box (diagram) it follows."""
    if isinstance(ty, Box | Diagram):
        cod = ty.cod
        if len(cod) == 1 and isinstance(cod[0], Euclid):
            return cod[0]
        raise DiagramError(
            f"Expected the {what} to follow a box with one real output wire Euclid(...), got "
            f"{ty!r} with codomain {cod}; pass the wire type explicitly."
        )
    if isinstance(ty, int):
        return Euclid(ty)
    if isinstance(ty, tuple):
        return Euclid(*ty)
    if isinstance(ty, Euclid):
        return ty
    raise DiagramError(
        f"Expected a real wire Euclid(...), an int, a shape tuple or the box it follows for the "
        f"{what}, got {ty!r}."
    )


def window_output(
    e: Euclid, window: Sequence[int], strides: Sequence[int], padding: Any
) -> tuple[str, list[int]]:
    """The checked padding (``'SAME'`` or ``'VALID'``, any case) and the output height and
    width of a 2-d window (a convolution kernel, a pooling window) sliding over the image wire
    ``e``: ``ceil(n / s)`` with ``'SAME'``, ``(n - k) // s + 1`` with ``'VALID'``.

    >>> window_output(Euclid(8, 8, 1), (3, 3), (2, 2), "valid")
    ('VALID', [3, 3])
    """
    padding = padding.upper() if isinstance(padding, str) else padding
    if padding not in {"SAME", "VALID"}:
        raise HyperparameterError(f"Expected padding 'SAME' or 'VALID', got {padding!r}.")
    hw = e.shape[:2]
    if padding == "SAME":
        return padding, [math.ceil(n / s) for n, s in zip(hw, strides)]
    return padding, [(n - k) // s + 1 for n, k, s in zip(hw, window, strides)]


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
    dom: Wire,
    cod: Wire,
    *,
    bias: bool = True,
    init: str = "lecun_normal",
    bias_init: str = "zeros",
    name: str | None = None,
) -> Box:
    r"""The affine box :math:`x \mapsto xW + b` from ``Euclid(n)`` to ``Euclid(m)``.

    ``W`` is initialised by ``init`` (LeCun normal by default, :func:`initializer` lists
    the others), ``b`` by zeros. Ints stand for ``Euclid(n)``. Without ``name``, the box is
    anonymous (named ``linear_0``, ``linear_1``, ... from its position when compiled).

    >>> fc = Linear(64, 128, name='fc1')
    >>> fc, fc.spec
    (Box('fc1': Euclid(64) -> Euclid(128)), LinearSpec(bias=True, init='lecun_normal', bias_init='zeros'))
    >>> Linear(64, 128) == Linear(64, 128)  # two anonymous layers: two sets of weights
    False
    """
    d, c = _vector(dom, "domain of Linear"), _vector(cod, "codomain of Linear")
    initializer(init), initializer(bias_init)
    return layer_box(name, "linear", d, c, LinearSpec(bias, init, bias_init))


def Dense(
    dom: Wire,
    cod: Wire,
    *,
    activation: str | None = "relu",
    name: str | None = None,
    **kwargs: Any,
) -> Diagram:
    """:func:`Linear` followed by an activation (``None`` for none). Without ``name``, the
    affine box is anonymous, named ``dense_0``, ``dense_1``, ... when compiled.

    >>> [b.name for b in Dense(3, 4, activation='tanh', name='h').boxes]
    ['h', 'tanh']
    """
    lin = Linear(dom, cod, name=name, **kwargs)
    if isinstance(lin, AnonymousBox):
        lin = AnonymousBox("dense", lin.dom, lin.cod, lin.spec)
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


def activation(kind: str, ty: Wire) -> Box:
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


def relu(ty: Wire) -> Box:
    """``max(x, 0)`` elementwise.

    >>> relu(3).cod
    Euclid(3)
    """
    return _activation_box("relu", ty)


def tanh(ty: Wire) -> Box:
    """``tanh(x)`` elementwise.

    >>> tanh(3).name
    'tanh'
    """
    return _activation_box("tanh", ty)


def sigmoid(ty: Wire) -> Box:
    """``1 / (1 + exp(-x))`` elementwise.

    >>> sigmoid(3).name
    'sigmoid'
    """
    return _activation_box("sigmoid", ty)


def gelu(ty: Wire) -> Box:
    """``x Φ(x)`` elementwise (tanh approximation, as :func:`jax.nn.gelu`).

    >>> gelu(3).name
    'gelu'
    """
    return _activation_box("gelu", ty)


def softmax(ty: Wire) -> Box:
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

    >>> from catlearn.core.types import Euclid
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
        atom: Any = box.dom.inside[0]  # a Fin wire: the index
        k, (d,) = atom.size, box.cod.shapes[0]
        spec = {"E": ParamSpec((k, d), initializer(self.init))}
        return Para(box.dom, box.cod, spec, lambda p, i: p["E"][i], name=box.name)


def Embedding(k: int | Fin, dim: int, *, init: str = "normal", name: str | None = None) -> Box:
    """A learned table of ``k`` vectors: ``Fin(k) -> Euclid(dim)``, ``i -> E[i]``.

    >>> Embedding(5, 2, name='emb').cod
    Euclid(2)
    """
    fin = k if isinstance(k, Fin) else Fin(k)
    initializer(init)
    return layer_box(name, "embedding", fin, Euclid(dim), EmbeddingSpec(init))
