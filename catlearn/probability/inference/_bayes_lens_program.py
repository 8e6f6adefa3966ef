r"""The interpreter of Bayesian-lens composites (:class:`~catlearn.probability.inference.bayes.BayesLens`).

A composite lens is a node of the composition engine (:mod:`catlearn.core.category`):
``Then``, ``Tensor``, ``Wiring`` (identities, swaps) or ``Inline`` (a program). This module
walks it with explicit stacks, never recursing, into

- its forward kernel: ``then`` of the forwards along a chain, ``tensor`` across a tensor;
- its backward at a prior :math:`\pi`: along a chain of units :math:`u_1, \dots, u_n`, the
  pushed priors :math:`\pi_i = \pi_{i-1} \gg u_i` and the inverse
  :math:`(u_n)^\dagger_{\pi_{n-1}} \gg \dots \gg (u_1)^\dagger_{\pi_0}`
  (Smithe, Braithwaite, Hedges); across a tensor, each part at the marginal of the prior on
  its wires;
- its name.

It reads only the lens's fields (``_node``, ``_forward``, ``_backward``, ``_name``, ``dom``,
``cod``) and the kernels' public operations (``>>``, ``then``, ``tensor``, ``marginal``,
``id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catlearn import errors
from catlearn.core.category import Inline, Tensor, Then, Wiring
from catlearn.core.types import Euclid, Fin, Ty
from catlearn.probability.inference._approx_inverse import composed, tensored
from catlearn.probability.kernels.gaussian import LinearGaussian
from catlearn.probability.kernels.markov import Finite


def check_composable(parts: Sequence[Any], op: str) -> None:
    """Refuse ``op`` (``>>``, ``@``) on lenses built with ``composable=False``."""
    for p in parts:
        if not getattr(p, "composable", True):
            raise errors.TypeMismatch(
                f"Cannot compose {p!r} with {op}: expected lenses whose forward parts are "
                f"kernels with {op}, got one built with composable=False (conjugate-family "
                "lenses are used on their own); use bayes_lens(kernel) parts."
            )


_NONE: Any = object()  # "no value returned yet" in the stack machines below


def _units(lens: Any, *, cached: bool = False) -> list[Any]:
    """The parts of ``lens`` in sequence, nested ``>>`` (and inlined programs) expanded: each
    unit is a box, a wiring or a tensor. With ``cached``, a part whose forward is already
    known is kept whole. Iterative."""
    out: list[Any] = []
    stack = [lens]
    while stack:
        a = stack.pop()
        node = a._node
        if cached and a._forward is not None:
            out.append(a)
        elif type(node) is Then:
            stack.extend(reversed(node.parts))
        elif type(node) is Inline:
            stack.extend(reversed(_inline_units(a, node)))
        else:
            out.append(a)
    return out


def _inline_units(lens: Any, node: Inline) -> list[Any]:
    """A program (``BayesLens.from_program``) as a sequence of layers: for each instruction,
    a wiring bringing its inputs to the front, then the box beside the identity on the other
    wires (whose backward is at the marginals, as for ``@``)."""
    cls, prog = type(lens), node.program
    types = prog.slot_types
    live = list(prog.inputs)
    units: list[Any] = []

    def move(order: list[int]) -> None:
        if order != list(range(len(live))):
            dom = Ty(*(types[s] for s in live))
            units.append(cls._wiring(dom, Ty(*(types[live[i]] for i in order)), order))

    for ins in prog.instructions:
        box = node.arrow_of(ins.box)
        pos = {s: i for i, s in enumerate(live)}
        front = [pos[s] for s in ins.ins]
        taken = set(front)
        rest = [i for i in range(len(live)) if i not in taken]
        move(front + rest)
        others = [live[i] for i in rest]
        units.append(box.tensor(Ty(*(types[s] for s in others))) if others else box)
        live = [*ins.outs, *others]
    pos = {s: i for i, s in enumerate(live)}
    move([pos[s] for s in prog.outputs])
    if not units:
        units.append(cls.id(prog.dom))
    return units


def _is_identity(node: Wiring) -> bool:
    return node.perm == tuple(range(len(node.perm)))


def _kernel_class(ty: Ty, like: Any = None) -> Any:
    """The kernel class for a structure map on ``ty``: that of ``like`` when given, else
    Finite on finite wires and LinearGaussian on Euclidean ones."""
    if like is not None and hasattr(type(like), "id"):
        return type(like)
    if all(isinstance(a, Fin) for a in ty.inside):
        return Finite
    if all(isinstance(a, Euclid) for a in ty.inside):
        return LinearGaussian
    raise errors.UnsupportedError(
        f"Expected the wires of a Bayesian-lens identity or swap to be all finite or all "
        f"Euclidean, got {ty}; compose it with a kernel lens on either side, or split the wires."
    )


def _wiring_kernel(kind: Any, dom: Ty, perm: Sequence[int]) -> Any:
    """The deterministic kernel on ``dom`` whose output wire ``j`` is input wire ``perm[j]``."""
    return kind.id(dom).marginal(*perm)


def _then_all(ks: list[Any]) -> Any:
    approx = composed(ks)  # an exact inverse before an approximate one: sampled
    if approx is not None:
        return approx
    first = ks[0]
    if len(ks) > 1 and hasattr(first, "then"):
        return first.then(*ks[1:])
    for k in ks[1:]:
        first = first >> k
    return first


def _tensor_all(ks: list[Any]) -> Any:
    first = ks[0]
    if len(ks) > 1 and hasattr(first, "tensor"):
        return first.tensor(*ks[1:])
    for k in ks[1:]:
        first = first @ k
    return first


def forward_of(lens: Any) -> Any:
    """The forward kernel of a composite: ``then`` of its units' forwards (a tensor unit's
    forward is the ``tensor`` of its parts' forwards, cached on it). Explicit stack."""
    stack: list[list[Any]] = [[False, lens, _units(lens, cached=True), 0, []]]
    ret = _NONE
    while stack:
        frame = stack[-1]
        if frame[0]:  # a tensor: [True, lens, parts, i, forwards]
            _, t, parts, i, ks = frame
            if ret is not _NONE:
                ks.append(ret)
                ret = _NONE
            if i < len(parts):
                frame[3] += 1
                stack.append([False, parts[i], _units(parts[i], cached=True), 0, []])
                continue
            stack.pop()
            ret = _tensor_all(ks)
            object.__setattr__(t, "_forward", ret)
            continue
        _, whole, units, i, ks = frame  # a chain: [False, lens, units, i, forwards]
        if ret is not _NONE:
            ks.append(ret)
            ret = _NONE
            i += 1
        while i < len(units):
            u = units[i]
            node = u._node
            if u._forward is not None:
                ks.append(u._forward)
            elif type(node) is Wiring:
                if not _is_identity(node):
                    kind = _kernel_class(u.dom, ks[-1] if ks else None)
                    ks.append(_wiring_kernel(kind, u.dom, node.perm))
            else:  # a tensor
                stack.append([True, u, list(node.parts), 0, []])
                break
            i += 1
        else:
            stack.pop()
            ret = _then_all(ks) if ks else _kernel_class(whole.dom).id(whole.dom)
            continue
        frame[3] = i
    return ret


def backward_of(lens: Any, prior: Any) -> Any:
    r"""The backward map of a composite at ``prior``, in one pass with an explicit stack:
    along a chain of units, ``inverse_i = unit_i†(π_{i-1})`` and ``π_i = π_{i-1} ≫ unit_i``;
    the chain's inverse is ``inverse_n ≫ ... ≫ inverse_1``. A tensor unit runs each part as
    a chain at the marginal of the prior on its wires and tensors the parts' inverses."""
    stack: list[list[Any]] = [[False, _units(lens), 0, prior, [], lens.dom]]
    ret = _NONE
    while stack:
        frame = stack[-1]
        if frame[0]:  # a tensor: [True, parts, i, prior, inverses, offset]
            _, parts, i, pi, invs, off = frame
            if ret is not _NONE:
                invs.append(ret)
                ret = _NONE
            if i < len(parts):
                n = len(parts[i].dom)
                frame[2], frame[5] = i + 1, off + n
                marg = pi.marginal(*range(off, off + n))
                stack.append([False, _units(parts[i]), 0, marg, [], parts[i].dom])
                continue
            stack.pop()
            approx = tensored(invs, [p.cod for p in parts])  # any approximate part: sampled
            ret = approx if approx is not None else _tensor_all(invs)
            continue
        _, units, i, pi, invs, dom = frame  # a chain: [False, units, i, prior, inverses, dom]
        if ret is not _NONE:  # a tensor unit came back
            invs.append(ret)
            pi = pi >> units[i].forward
            ret = _NONE
            i += 1
        while i < len(units):
            u = units[i]
            node = u._node
            if node is None:
                invs.append(u._backward(pi))
                pi = pi >> u._forward
            elif type(node) is Wiring:
                if not _is_identity(node):
                    back = [0] * len(node.perm)
                    for j, k in enumerate(node.perm):
                        back[k] = j
                    invs.append(_wiring_kernel(type(pi), u.cod, back))
                    pi = pi.marginal(*node.perm)
            else:  # a tensor
                frame[2], frame[3] = i, pi
                stack.append([True, list(node.parts), 0, pi, [], 0])
                break
            i += 1
        else:
            stack.pop()
            ret = _then_all(invs[::-1]) if invs else type(pi).id(dom)
    return ret


def name_of(lens: Any) -> str:
    """``a >> b @ c``-style name of a composite from its parts' names (iterative)."""
    out: list[str] = []
    stack: list[Any] = [(lens, False)]
    while stack:
        item = stack.pop()
        if type(item) is str:
            out.append(item)
            continue
        a, paren = item
        node = a._node
        if a._name is not None:
            out.append(a._name)
        elif type(node) is Wiring:
            out.append("id" if _is_identity(node) else "swap")
        elif type(node) is Inline:
            out.append(f"program[{len(node.program)}]")
        else:
            tensor = type(node) is Tensor
            parts = node.parts
            seq: list[Any] = ["(" if paren else ""]
            for j, p in enumerate(parts):
                if j:
                    seq.append(" @ " if tensor else " >> ")
                seq.append((p, tensor and type(p._node) is Then))
            seq.append(")" if paren else "")
            stack.extend(reversed(seq))
    return "".join(out)
