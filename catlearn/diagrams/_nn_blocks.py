"""The larger blocks of :mod:`catlearn.diagrams.nn` (private; import them from there).

Convolution, layer normalisation, dropout and its inference mode, repeated blocks with stacked
parameters (one ``lax.scan``), and boxes declared from a JAX function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from catlearn.core.para import Para, ParamSpec
from catlearn.core.types import Euclid, Ty
from catlearn.diagrams._nn_layers import Wire, _euclid, initializer, layer_box, window_output
from catlearn.diagrams.diagram import Box, Diagram
from catlearn.errors import DiagramError, HyperparameterError, TypeMismatch

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
    dom: Wire,
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

    >>> from catlearn.core.types import Euclid
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
    padding, out = window_output(e, kernel, strides, padding)
    if min(out) < 1:
        raise DiagramError(f"Conv2D kernel {kernel} is larger than the image {e}.")
    initializer(init)
    spec = Conv2DSpec(kernel, strides, padding, bias, init)  # type: ignore[arg-type]
    return layer_box(name, "conv", e, Euclid(*out, features), spec)


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


def LayerNorm(ty: Wire, *, eps: float = 1e-5, name: str | None = None) -> Box:
    r"""Layer normalisation (Ba et al. 2016) over the last axis:
    :math:`\gamma \odot (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta`.

    >>> LayerNorm(4, name='ln').spec
    LayerNormSpec(eps=1e-05)
    """
    e = _euclid(ty)
    return layer_box(name, "layernorm", e, e, LayerNormSpec(float(eps)))


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


def Dropout(ty: Wire, rate: float = 0.5) -> Box:
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
    >>> from catlearn.diagrams.nn import Linear
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
        call = inner.call

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
    >>> import jax, jax.numpy as jnp
    >>> from catlearn.diagrams.nn import Linear, relu
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
    return layer_box(name, "repeat", block.dom, block.cod, RepeatSpec(block, n))


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
    >>> import jax, jax.numpy as jnp
    >>> from catlearn.core.para import ParamSpec
    >>> from catlearn.core.types import Euclid
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
