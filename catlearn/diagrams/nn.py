r"""Ready neural-network boxes, each with its default Para semantics.

Every function here returns a :class:`~catlearn.diagrams.diagram.Box` (or a small diagram of boxes)
whose ``spec`` is a frozen dataclass with a ``to_para(box)`` method: :func:`~catlearn.diagrams.compiler.compile`
uses it when ``ar`` does not override the box. The semantics act on **one example** (a
vector ``x`` of shape ``(n,)`` for :func:`Linear`, an image ``(H, W, C)`` for :func:`Conv2D`);
batches go through ``jax.vmap``, which XLA lowers to the same matmuls and convolutions as
hand-written batch code. Parameters are named by the box: the group ``params['fc1']`` holds
``{'W': ..., 'b': ...}`` of the box called ``fc1``.

A box with parameters is called by its ``name=``; without one it is *anonymous* and the
compiler names it from the structure of the model alone: ``{kind}_{i}`` (``linear_0``,
``linear_1``, ``dense_0``, ``conv_0``, ...), counting in order of first use in the compiled
diagram and skipping the names of named boxes. Building the same model twice gives the same
names and parameter trees, whatever ran before. Two anonymous layers are two layers (their
own parameters, even with equal types); one box used twice ties its weights, as the same
named box does. Give names (``name='fc1'``) for checkpoints that survive a change of
structure.

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams.compiler import compile
>>> model = MLP([4, 8, 3], activation='relu', name='fc')
>>> [b.name for b in model.boxes]
['fc1', 'relu', 'fc2']
>>> net = compile(model)
>>> params = net.init(jax.random.key(0))
>>> net.apply_batch(params, jnp.ones((5, 4))).shape
(5, 3)
>>> sorted(compile(Dense(4, 8) >> Dense(8, 8) >> Linear(8, 2)).spec)
['dense_0', 'dense_1', 'linear_0']

Layers follow the usual definitions: affine maps and initialisers (LeCun et al., *Efficient
BackProp*; Glorot, Bengio 2010; He et al. 2015), layer normalisation (Ba, Kiros, Hinton
2016), dropout (Srivastava et al. 2014); as arrows of Para they are the parametrised maps of
Fong, Spivak, Tuyéras, *Backprop as Functor*.
"""

from __future__ import annotations

from catlearn.diagrams._nn_blocks import Conv2D as Conv2D
from catlearn.diagrams._nn_blocks import Conv2DSpec as Conv2DSpec
from catlearn.diagrams._nn_blocks import Dropout as Dropout
from catlearn.diagrams._nn_blocks import DropoutSpec as DropoutSpec
from catlearn.diagrams._nn_blocks import FunctionSpec as FunctionSpec
from catlearn.diagrams._nn_blocks import LayerNorm as LayerNorm
from catlearn.diagrams._nn_blocks import LayerNormSpec as LayerNormSpec
from catlearn.diagrams._nn_blocks import Repeat as Repeat
from catlearn.diagrams._nn_blocks import RepeatSpec as RepeatSpec
from catlearn.diagrams._nn_blocks import box_from_function as box_from_function
from catlearn.diagrams._nn_blocks import inference as inference
from catlearn.diagrams._nn_layers import MLP as MLP
from catlearn.diagrams._nn_layers import ActivationSpec as ActivationSpec
from catlearn.diagrams._nn_layers import Dense as Dense
from catlearn.diagrams._nn_layers import Embedding as Embedding
from catlearn.diagrams._nn_layers import EmbeddingSpec as EmbeddingSpec
from catlearn.diagrams._nn_layers import Flatten as Flatten
from catlearn.diagrams._nn_layers import FlattenSpec as FlattenSpec
from catlearn.diagrams._nn_layers import Linear as Linear
from catlearn.diagrams._nn_layers import LinearSpec as LinearSpec
from catlearn.diagrams._nn_layers import OneHot as OneHot
from catlearn.diagrams._nn_layers import OneHotSpec as OneHotSpec
from catlearn.diagrams._nn_layers import activation as activation
from catlearn.diagrams._nn_layers import gelu as gelu
from catlearn.diagrams._nn_layers import initializer as initializer
from catlearn.diagrams._nn_layers import relu as relu
from catlearn.diagrams._nn_layers import sigmoid as sigmoid
from catlearn.diagrams._nn_layers import softmax as softmax
from catlearn.diagrams._nn_layers import tanh as tanh

# vision boxes live in catlearn.diagrams.vision (re-exported here)
from catlearn.diagrams.vision import AvgPool2D as AvgPool2D
from catlearn.diagrams.vision import BatchNorm as BatchNorm
from catlearn.diagrams.vision import GlobalAvgPool as GlobalAvgPool
from catlearn.diagrams.vision import MaxPool2D as MaxPool2D
from catlearn.diagrams.vision import apply_stateful as apply_stateful

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

# The layers are defined in private modules and documented (and public) here.
for _obj in (
    Conv2D, Conv2DSpec, Dropout, DropoutSpec, FunctionSpec, LayerNorm, LayerNormSpec, Repeat,
    RepeatSpec, box_from_function, inference, MLP, ActivationSpec, Dense, Embedding,
    EmbeddingSpec, Flatten, FlattenSpec, Linear, LinearSpec, OneHot, OneHotSpec, activation,
    gelu, initializer, relu, sigmoid, softmax, tanh,
):  # fmt: skip
    _obj.__module__ = __name__
del _obj
