r"""Tensor-network semantics of pregroup diagrams, and learning it (DisCoCat; lambeq's classical
pipeline).

The functor :math:`F_\theta` sends each atomic type to a vector space (an
:class:`~catlearn.training.ansatz.Ansatz` fixes the dimensions), ``@`` to the tensor product,
a cup to the pairing :math:`\sum_i e_i \otimes e_i`, a cap to its unit, a spider to the
diagonal tensor, a swap to the symmetry, and each word to its learned tensor. A sentence
diagram then **is** a tensor network: :class:`TensorModel` compiles each *shape* of diagram
(its structure with words replaced by their types) once into ONE planned contraction
(:func:`catlearn.probability.kernels.contraction.plan_contraction`, the planner of factor
networks) with a batch axis, and a batch of sentences of that shape gathers rows of the word
tables and contracts them in one ``einsum`` plan, jitted and differentiated by JAX. A
minibatch of several shapes is the sum of its per-shape contractions.

Law (a doctest; the snake equation, ``cup ; cap = id``):

>>> import jax, jax.numpy as jnp
>>> from catlearn.diagrams.pregroup import Cap, Cup, Pregroup, Word
>>> from catlearn.training.ansatz import TensorAnsatz
>>> n = Pregroup('n')
>>> f = Word('f', n)
>>> model = TensorModel([f], TensorAnsatz({'n': 3}))
>>> params = model.init(jax.random.key(0))
>>> snake = f >> (Cap(n, n.l) @ n) >> (n @ Cup(n.l, n))
>>> bool(jnp.allclose(model.tensor(params, snake), model.tensor(params, f)))
True
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from catlearn import errors
from catlearn.core.checked import as_key
from catlearn.core.optim import Optimiser, as_optax
from catlearn.diagrams.diagram import Box, Diagram, Swap
from catlearn.diagrams.pregroup import Cap, Cup, Spider
from catlearn.probability.kernels.contraction import Plan, execute, plan_contraction
from catlearn.training import _tensor_steps
from catlearn.training._validate import binary_labels
from catlearn.training.ansatz import Ansatz

__all__ = ["DEFAULT_OPTIMIZER", "TensorFit", "TensorModel", "fit_tensor", "signature"]

DEFAULT_OPTIMIZER = optax.adamw(3e-2, weight_decay=0.01)
"""lambeq's tutorial optimiser: AdamW, learning rate 3e-2, torch's default weight decay 0.01."""

Key = tuple[str, Any, Any]  # (name, dom, cod): the identity of a word / box
Params = dict[str, tuple[Any, ...]]  # {signature: (table, ...)}
ShapeKey = tuple[Any, ...]  # a diagram shape, as signature() returns it


def _sig(box: Box) -> str:
    return f"{box.dom} -> {box.cod}"


def signature(diagram: Diagram) -> ShapeKey:
    """The shape of a diagram: its layers with every parametrised box replaced by its type.

    >>> from catlearn.diagrams.pregroup import Pregroup, parse
    >>> n, s = Pregroup('n'), Pregroup('s')
    >>> lex = {'man': n, 'woman': n, 'runs': n.r @ s}
    >>> signature(parse(['man', 'runs'], lex)) == signature(parse(['woman', 'runs'], lex))
    True
    """
    errors.expect_type(diagram, Diagram, "the diagram", "pass a sentence diagram (parse)")
    return tuple(
        (off, "box", _sig(b)) if _is_param(b) else (off, type(b).__name__, b.dom, b.cod)
        for off, b in diagram.layers
    )


def _is_param(box: Box) -> bool:
    return not isinstance(box, Cup | Cap | Spider | Swap)


@dataclass(frozen=True)
class _Shape:
    """One compiled diagram shape: the word slots, the network's scopes and its plan."""

    slots: tuple[tuple[str, int], ...]  # per parameter factor: (signature, factor index)
    owner: tuple[int, ...]  # per parameter factor: which box instance (row column) it reads
    consts: tuple[tuple[int, int], ...]  # delta factors: (order, dimension)
    scopes: tuple[tuple[int, ...], ...]  # params' scopes (batch label 0 first), then consts'
    cards: tuple[tuple[int, int], ...]
    output: tuple[int, ...]
    scalar: float
    n_boxes: int

    def plan(self, batch: int) -> Plan:
        cards = dict(self.cards)
        cards[0] = batch
        return plan_contraction(self.scopes, cards, output=(0, *self.output), budget=None)


def _compile(diagram: Diagram, ansatz: Ansatz) -> _Shape:
    """Walk the diagram once: wires carry labels, cups/spiders unify labels (union-find)."""
    parent: dict[int, int] = {}
    cards: dict[int, int] = {}

    def new(dim: int) -> int:
        lab = len(parent) + 1  # label 0 is the batch axis
        parent[lab] = lab
        cards[lab] = dim
        return lab

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if cards[ra] != cards[rb]:
            raise errors.ShapeError(
                f"Expected wires of one dimension to meet, got {cards[ra]} and {cards[rb]}."
            )
        parent[ra] = rb

    wires = [new(ansatz.dim(a)) for a in diagram.dom.inside]
    inputs = list(wires)
    slots: list[tuple[str, int]] = []
    owner: list[int] = []
    scopes: list[list[int]] = []
    n_boxes = 0
    for off, box in diagram.layers:
        n_in = len(box.dom)
        ins = wires[off : off + n_in]
        if isinstance(box, Cup):
            union(ins[0], ins[1])
            outs: list[int] = []
        elif isinstance(box, Cap):
            lab = new(ansatz.dim(box.cod.inside[0]))
            outs = [lab, lab]
        elif isinstance(box, Spider):
            lab = new(ansatz.dim(box.cod.inside[0] if len(box.cod) else box.dom.inside[0]))
            for w in ins:
                union(w, lab)
            outs = [lab] * len(box.cod)
        elif isinstance(box, Swap):
            outs = [ins[1], ins[0]]
        elif type(box).__name__ in {"Copy", "Merge"}:
            raise errors.DiagramError(
                f"Expected pregroup structure (cups, caps, spiders, swaps) and boxes, got "
                f"{box!r}: copy and merge are the cartesian structure; use Spider(x, 1, 2)."
            )
        else:
            f = ansatz.factors(box)
            local = {lab: new(d) for lab, d in f.cards}
            for i, lab in enumerate(f.wires[:n_in]):
                union(ins[i], local[lab])
            outs = [local[lab] for lab in f.wires[n_in:]]
            for i, legs in enumerate(f.legs):
                slots.append((_sig(box), i))
                owner.append(n_boxes)
                scopes.append([local[lab] for lab in legs])
            n_boxes += 1
        wires[off : off + n_in] = outs
    # open input wires of the diagram are not supported: a sentence is a state
    if inputs:
        raise errors.DiagramError(
            f"Expected a state (a diagram from Ty(), as parse builds), got a diagram from "
            f"{diagram.dom}; close its inputs with words, or evaluate it on states."
        )
    roots = [[find(lab) for lab in sc] for sc in scopes]
    out_roots = [find(w) for w in wires]
    in_factors = {r for sc in roots for r in sc}
    consts: list[tuple[int, int]] = []
    const_scopes: list[list[int]] = []
    # a repeated label inside one factor is a diagonal: route it through a delta
    for sc in roots:
        seen: set[int] = set()
        for j, r in enumerate(sc):
            if r in seen:
                fresh = new(cards[r])
                sc[j] = fresh
                consts.append((2, cards[r]))
                const_scopes.append([r, fresh])
            seen.add(r)
    open_roots = set(out_roots)
    done: set[int] = set()
    for r in out_roots:
        if r in done:
            continue
        done.add(r)
        count = out_roots.count(r)
        if count == 1 and r in in_factors:
            continue
        outs_r = [new(cards[r]) for _ in range(count)]
        scope = ([r] if r in in_factors else []) + outs_r
        consts.append((len(scope), cards[r]))
        const_scopes.append(scope)
        it = iter(outs_r)
        out_roots = [next(it) if x == r else x for x in out_roots]
    output = out_roots
    scalar = 1.0
    used = in_factors | {v for sc in const_scopes for v in sc}
    for lab in parent:
        if find(lab) == lab and lab not in used and lab not in open_roots:
            scalar *= cards[lab]  # a closed loop: the trace of the identity
    if not roots:  # no word: the batch axis comes from a vector of ones
        consts.append((0, 0))
        const_scopes.append([0])
    all_scopes = [(0, *sc) for sc in roots] + [tuple(sc) for sc in const_scopes]
    return _Shape(
        tuple(slots),
        tuple(owner),
        tuple(consts),
        tuple(tuple(s) for s in all_scopes),
        tuple((lab, cards[lab]) for lab in parent if lab in used or lab in output),
        tuple(output),
        scalar,
        n_boxes,
    )


def _delta(order: int, dim: int, dtype: Any) -> Any:
    t = np.zeros((dim,) * order)
    for i in range(dim):
        t[(i,) * order] = 1.0
    return jnp.asarray(t, dtype=dtype)


class _Group(NamedTuple):
    """Sentences of one shape: rows into the word tables, targets and weights."""

    rows: Any  # int (batch, n_boxes)
    labels: Any  # float (batch, *out), or None
    positions: Any  # int (batch,): where these diagrams sit in the input


@dataclass(frozen=True, eq=False)
class TensorModel:
    """A tensor-network functor from pregroup diagrams, with its word tables.

    ``vocabulary`` is every parametrised box of ``diagrams`` identified by (name, dom, cod):
    the intransitive and the transitive ``runs`` are two words. Parameters are a dict
    ``{signature: (table, ...)}``, one table per factor of the ansatz, whose rows are the words
    of that type. ``unknown`` is the policy for words outside the vocabulary at evaluation:
    ``"error"`` (a :class:`~catlearn.errors.MissingBoxError` naming the word) or ``"mean"``
    (the mean of the trained tensors of its type; a type never seen is always an error).
    """

    ansatz: Ansatz
    vocabulary: tuple[Key, ...]
    index: dict[Key, tuple[str, int]]
    boxes: dict[str, Box]  # one representative box per signature
    unknown: str

    def __repr__(self) -> str:
        return (
            f"TensorModel({type(self.ansatz).__name__}, {len(self.vocabulary)} words, "
            f"{len(self.boxes)} types)"
        )

    def __init__(
        self, diagrams: Sequence[Diagram], ansatz: Ansatz, *, unknown: str = "error"
    ) -> None:
        if not isinstance(ansatz, Ansatz):
            raise errors.ArgumentTypeError(
                f"Expected an Ansatz (TensorAnsatz, SpiderAnsatz, MPSAnsatz), got {ansatz!r}."
            )
        if unknown not in ("error", "mean"):
            raise errors.ArgumentValueError(
                f'Expected unknown="error" or unknown="mean", got unknown={unknown!r}.'
            )
        index: dict[Key, tuple[str, int]] = {}
        boxes: dict[str, Box] = {}
        counts: dict[str, int] = {}
        for d in diagrams:
            errors.expect_type(d, Diagram, "a diagram", "parse sentences into diagrams first")
            for _, b in d.layers:
                if _is_param(b) and (b.name, b.dom, b.cod) not in index:
                    sig = _sig(b)
                    ansatz.factors(b)  # raises early for boxes the ansatz cannot take
                    index[(b.name, b.dom, b.cod)] = (sig, counts.get(sig, 0))
                    counts[sig] = counts.get(sig, 0) + 1
                    boxes.setdefault(sig, b)
        object.__setattr__(self, "ansatz", ansatz)
        object.__setattr__(self, "vocabulary", tuple(index))
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "unknown", unknown)
        object.__setattr__(self, "_shapes", {})
        object.__setattr__(self, "_trainers", {})
        object.__setattr__(self, "_jitted", {})

    def init(self, key: Any) -> dict[str, tuple[Any, ...]]:
        """Fresh word tables ``{signature: (table, ...)}`` (lambeq's classical initialisation);
        the tables of one signature are drawn from ``key`` folded with the signature's text,
        so they do not depend on the other types in the vocabulary."""
        cache = self._jitted  # type: ignore[attr-defined]
        if "init" not in cache:  # one compiled program, not one per random draw
            # compiled without LLVM's optimisation: a few small draws, whose threefry rounds
            # XLA otherwise spends ~2 s optimising (0.7 s at level 0 on 2 cores; same tables)
            cache["init"] = jax.jit(
                self._init, compiler_options={"xla_backend_optimization_level": 0}
            )
        tables: Params = cache["init"](key)
        return tables

    def _init(self, key: Any) -> dict[str, tuple[Any, ...]]:
        counts: dict[str, int] = {}
        for sig, _ in self.index.values():
            counts[sig] = counts.get(sig, 0) + 1
        return {
            sig: self.ansatz.init(
                jax.random.fold_in(key, zlib.crc32(sig.encode())), box, counts[sig]
            )
            for sig, box in self.boxes.items()
        }

    # --- compiling --------------------------------------------------------------------------
    def shape(self, diagram: Diagram) -> _Shape:
        """The compiled shape of ``diagram`` (cached per signature on this model)."""
        key = signature(diagram)
        cache = self._shapes  # type: ignore[attr-defined]
        if key not in cache:
            cache[key] = _compile(diagram, self.ansatz)
        shape: _Shape = cache[key]
        return shape

    def _rows(self, diagram: Diagram) -> list[int]:
        rows = []
        for _, b in diagram.layers:
            if not _is_param(b):
                continue
            hit = self.index.get((b.name, b.dom, b.cod))
            if hit is None:
                if self.unknown == "error" or _sig(b) not in self.boxes:
                    raise errors.MissingBoxError(
                        f"Expected words seen in training, got {b.name!r} of type {b.cod} "
                        f"(from {b.dom}), which is not in the vocabulary; train on it, or build "
                        'the model with unknown="mean" to use the mean tensor of its type.'
                    )
                rows.append(-1)
            else:
                rows.append(hit[1])
        return rows

    def group(self, diagrams: Sequence[Diagram], labels: Any = None) -> dict[ShapeKey, _Group]:
        """Group diagrams by shape: ``{signature: (rows, labels, positions)}`` (host arrays)."""
        out: dict[ShapeKey, tuple[list[Any], list[Any], list[Any]]] = {}
        for i, d in enumerate(diagrams):
            self.shape(d)
            key = signature(d)
            rows, labs, pos = out.setdefault(key, ([], [], []))
            rows.append(self._rows(d))
            labs.append(None if labels is None else labels[i])
            pos.append(i)
        return {
            k: _Group(
                np.asarray(r, dtype=np.int32),
                None if labels is None else np.asarray(lab),
                np.asarray(p, dtype=np.int32),
            )
            for k, (r, lab, p) in out.items()
        }

    # --- evaluating -------------------------------------------------------------------------
    def contract(self, params: Params, key: ShapeKey, rows: Any) -> Any:
        """The outputs ``(batch, *out)`` of the sentences of shape ``key`` whose words are
        ``rows`` (int, ``(batch, n_boxes)``): one planned contraction."""
        shape: _Shape = self._shapes[key]  # type: ignore[attr-defined]
        dtype = jnp.result_type(float)
        arrays = []
        for (sig, i), o in zip(shape.slots, shape.owner):
            table = params[sig][i]
            if self.unknown == "mean":
                table = jnp.concatenate([table, table.mean(axis=0, keepdims=True)])
            arrays.append(table[rows[:, o]])
        arrays += [
            _delta(order, dim, dtype) if order else jnp.ones(rows.shape[0], dtype)
            for order, dim in shape.consts
        ]
        out = execute(shape.plan(rows.shape[0]), arrays, jnp)
        return out * shape.scalar if shape.scalar != 1.0 else out

    def _trainer(
        self, opt: optax.GradientTransformation, keys: tuple[ShapeKey, ...], per_word: bool
    ) -> Any:
        """The jitted fit (a ``lax.scan`` over steps) for ``opt`` and these shapes; owned by
        this model, so that fits on one data set (other seeds) trace and compile once."""
        cache = self._trainers  # type: ignore[attr-defined]
        if (opt, keys, per_word) in cache:
            return cache[(opt, keys, per_word)]

        def batch_loss(
            p: Params,
            rows: tuple[Any, ...],
            labs: tuple[Any, ...],
            ix: tuple[Any, ...],
            mk: tuple[Any, ...],
            size: Any,
        ) -> Any:
            total = 0.0
            for k, r, y, i, m in zip(keys, rows, labs, ix, mk):
                total = total + _loss(self.contract(p, k, r[i]), y[i], m)
            return total / size

        @jax.jit
        def run(
            p: Params,
            rows: tuple[Any, ...],
            labs: tuple[Any, ...],
            ix: tuple[Any, ...],
            mk: tuple[Any, ...],
            sizes: Any,
            present: Any,
        ) -> tuple[Any, ...]:
            def step(carry: tuple[Any, ...], xs: tuple[Any, ...]) -> tuple[Any, ...]:
                q, state = carry
                value, grads = jax.value_and_grad(batch_loss)(q, rows, labs, *xs[:3])
                if per_word:  # lambeq's: one parameter per word, absent words not updated
                    return _tensor_steps.update(opt, grads, state, q, xs[3]), value
                updates, state = opt.update(grads, state, q)
                return (optax.apply_updates(q, updates), state), value

            values: Any
            state = _tensor_steps.init(opt, p) if per_word else opt.init(p)
            (p, _), values = jax.lax.scan(step, (p, state), (ix, mk, sizes, present))
            return p, values

        cache[(opt, keys, per_word)] = run
        return run

    def _jit(self, key: ShapeKey) -> Any:
        """``contract`` for the shape ``key``, jitted once per model and shape."""
        cache = self._jitted  # type: ignore[attr-defined]
        if key not in cache:
            cache[key] = jax.jit(lambda params, rows: self.contract(params, key, rows))
        return cache[key]

    def _run(self, params: Params, key: ShapeKey, rows: Any) -> Any:
        """The jitted contraction of ``rows``, padded to a power-of-two batch (fewer compiles
        for batches of many sizes; the padding rows are sliced off, so gradients are exact)."""
        b = rows.shape[0]
        size = 1 << max(0, (b - 1).bit_length())
        if size != b:
            rows = jnp.concatenate([rows, jnp.repeat(rows[:1], size - b, axis=0)])
        return self._jit(key)(params, rows)[:b]

    def tensor(self, params: Params, diagram: Diagram) -> Any:
        """The tensor ``F(diagram)`` (axes: the open wires of ``diagram.cod``)."""
        rows = jnp.asarray([self._rows(diagram)], dtype=jnp.int32).reshape(1, -1)
        self.shape(diagram)
        return self._jit(signature(diagram))(params, rows)[0]

    def __call__(self, params: Params, diagrams: Sequence[Diagram]) -> Any:
        """The outputs of ``diagrams``, stacked in input order (one contraction per shape)."""
        groups = self.group(diagrams)
        outs = [(g.positions, self._run(params, k, jnp.asarray(g.rows))) for k, g in groups.items()]
        order = np.argsort(np.concatenate([p for p, _ in outs]))
        return jnp.concatenate([o for _, o in outs])[order]

    def loss(self, params: Params, diagrams: Sequence[Diagram], labels: Any) -> Any:
        """The summed binary cross-entropy of ``diagrams`` (logits) against ``labels`` over
        every output entry: :math:`\\sum_i \\sum_j \\ell(F(d_i)_j, y_{ij})`, one contraction
        per shape (a mixed-shape minibatch is the sum over its shapes)."""
        groups = self.group(diagrams, labels)
        return sum(
            _loss(self._run(params, k, jnp.asarray(g.rows)), g.labels, None)
            for k, g in groups.items()
        )


def _loss(logits: Any, labels: Any, mask: Any) -> Any:
    per = optax.sigmoid_binary_cross_entropy(logits, jnp.asarray(labels, logits.dtype))
    per = per.reshape(per.shape[0], -1).sum(axis=1)
    return per.sum() if mask is None else (per * mask).sum()


def accuracy(model: TensorModel, params: Params, diagrams: Sequence[Diagram], labels: Any) -> float:
    """lambeq's tutorial metric: the fraction of output entries with ``round(sigmoid(y)) ==
    label`` (for one-hot labels ``[t, 1 - t]``, the fraction of sentences classified right).

    >>> from catlearn.diagrams.pregroup import Pregroup, Word
    >>> from catlearn.training.ansatz import TensorAnsatz
    >>> s = Pregroup('s')
    >>> m = TensorModel([Word('yes', s)], TensorAnsatz({'s': 2}))
    >>> p = {'Ty() -> s': (jnp.array([[3.0, -3.0]]),)}
    >>> accuracy(m, p, [Word('yes', s)], [[1.0, 0.0]])
    1.0
    """
    labels = binary_labels(diagrams, labels)
    y = np.asarray(model(params, diagrams))
    if y.shape != labels.shape:
        raise errors.ShapeError(
            f"Expected labels of the shape of the model's outputs {y.shape}, got {labels.shape}."
        )
    return float(np.mean(np.round(1 / (1 + np.exp(-y))) == labels))


class TensorFit(NamedTuple):
    """The result of :func:`fit_tensor`: trained ``params``, the mean training loss per
    epoch, and the wall times (seconds) of the whole fit and of one epoch after compilation."""

    params: Params
    losses: Any
    fit_seconds: float
    epoch_seconds: float


def fit_tensor(
    model: TensorModel,
    diagrams: Sequence[Diagram],
    labels: Any,
    *,
    key: Any,
    epochs: int = 30,
    batch_size: int = 30,
    optimizer: optax.GradientTransformation | Optimiser | None = None,
    params: Params | None = None,
    shuffle: bool | Sequence[Sequence[int]] = True,
    per_word: bool = True,
) -> TensorFit:
    r"""Train the word tensors on labelled sentences (lambeq's classical pipeline, in JAX).

    Each step minimises the mean binary cross-entropy of a minibatch (lambeq's
    ``BCEWithLogitsLoss``), :math:`\frac{1}{|B| \cdot |out|} \sum_{i \in B} \sum_j
    \ell(F_\theta(d_i)_j, y_{ij})`. Minibatches are drawn (shuffled per epoch when ``shuffle``;
    ``shuffle`` may also be each epoch's order, ``(epochs, n)`` permutations, e.g. another
    library's, to replay its fit) on the host once, split by shape and padded to a fixed size
    per shape with zero weights, so the whole fit is ONE ``jax.jit``: a ``lax.scan`` over every
    step, each step one planned contraction per shape, ``jax.value_and_grad`` and the optax
    update (``optimizer``: optax's or a catlearn optimiser). The default
    optimiser is ``optax.adamw(3e-2, weight_decay=0.01)`` (torch's AdamW decay, lambeq's
    tutorial learning rate). With ``per_word`` (the default), every word is its own parameter,
    as in lambeq's ``PytorchModel``: the optimiser runs per word (its own state and step count)
    and a word absent from a minibatch is not updated, as torch skips a parameter without
    gradient (no weight decay, no momentum step). ``per_word=False`` steps whole tables: absent
    words still move by momentum and decay, a different trajectory from lambeq's.

    >>> from catlearn.diagrams.pregroup import Pregroup, Word
    >>> from catlearn.training.ansatz import TensorAnsatz
    >>> s = Pregroup('s')
    >>> data = [Word('good', s), Word('bad', s)]
    >>> model = TensorModel(data, TensorAnsatz({'s': 2}))
    >>> res = fit_tensor(model, data, [[1.0, 0.0], [0.0, 1.0]], key=jax.random.key(0), epochs=200)
    >>> accuracy(model, res.params, data, [[1.0, 0.0], [0.0, 1.0]])
    1.0
    """
    t0 = time.perf_counter()
    labels = binary_labels(diagrams, labels)
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(v, int) or v < 1:
            raise errors.HyperparameterError(f"Expected {name} >= 1 (int), got {v!r}.")
    opt = as_optax(optimizer) if optimizer is not None else DEFAULT_OPTIMIZER
    k_init, k_shuffle = jax.random.split(as_key(key))
    if params is None:
        params = model.init(k_init)
    out = jax.eval_shape(lambda p: model(p, diagrams), params).shape
    if tuple(out) != labels.shape:
        raise errors.ShapeError(
            f"Expected labels of the shape of the model's outputs {tuple(out)} (one row per "
            f"diagram), got shape {labels.shape}."
        )
    groups = model.group(diagrams, labels)
    keys = list(groups)
    seed = np.asarray(jax.random.key_data(k_shuffle)).ravel()[-1]
    batches, idx, masks = _tensor_steps.minibatches(
        [groups[k].positions for k in keys], epochs, batch_size, shuffle, seed
    )
    present = _tensor_steps.presence(
        {sig: len(t[0]) for sig, t in params.items()},
        [model._shapes[k] for k in keys],  # type: ignore[attr-defined]
        [groups[k].rows for k in keys],
        idx,
        masks,
    )
    steps_per_epoch = -(-len(diagrams) // batch_size)
    sizes = np.array([len(b) for b in batches], dtype=float)
    out_size = int(np.prod(labels.shape[1:])) if labels.ndim > 1 else 1
    data = (
        tuple(jnp.asarray(groups[k].rows) for k in keys),
        tuple(jnp.asarray(groups[k].labels) for k in keys),
        tuple(map(jnp.asarray, idx)),
        tuple(map(jnp.asarray, masks)),
        jnp.asarray(sizes) * out_size,
        {sig: jnp.asarray(v) for sig, v in present.items()},
    )
    run = model._trainer(opt, tuple(keys), per_word)
    compiled = run.lower(params, *data).compile()
    t1 = time.perf_counter()
    new, values = jax.block_until_ready(compiled(params, *data))  # type: ignore[no-untyped-call]
    t2 = time.perf_counter()
    losses = np.asarray(values).reshape(epochs, steps_per_epoch).mean(axis=1)
    return TensorFit(new, losses, t2 - t0, (t2 - t1) / epochs)
