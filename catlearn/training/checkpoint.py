"""Checkpoints: save and load parameters and optimiser state, bit for bit.

A checkpoint is one ``.npz`` file (a zip of ``.npy`` arrays, readable without catlearn).
Every leaf of the pytree ``{"params": ..., "opt_state": ...}`` is stored as its raw bytes
together with its path, dtype and shape, and a SHA-256 digest of the whole, so

* a round trip is bit-exact, whatever the dtype (bfloat16 and PRNG keys included);
* loading into a template (``like=``) checks structure, shapes and dtypes, and a mismatch
  raises :class:`~catlearn.errors.CheckpointError` naming the first differing leaf;
* a truncated or altered file raises :class:`~catlearn.errors.CheckpointError` too.

Optimiser states are optax ``NamedTuple``s, whose classes a file cannot rebuild; so
:func:`load` takes a template of the same structure (``like=(params, opt.init(params))``)
and fills it. Without ``like=``, the optimiser state comes back as a :class:`FlatState`
(its leaves, in order), which :func:`catlearn.training.fit` accepts as ``opt_state=`` and
fills into its optimiser's structure; with ``initial_epoch=ck.step`` the resumed fit equals
the uninterrupted one bit for bit. Leaves must be arrays (or numbers): anything else
(strings, objects) is rejected at :func:`save`.

>>> import jax.numpy as jnp, optax, tempfile, os
>>> params = {"fc": {"W": jnp.ones((2, 3)), "b": jnp.zeros(3)}}
>>> opt = optax.adam(1e-3)
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> save(path, params, opt.init(params), step=7)
>>> ck = load(path, like=(params, opt.init(params)))
>>> ck.step, bool((ck.params["fc"]["W"] == params["fc"]["W"]).all())
(7, True)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np

from catlearn import errors
from catlearn.core.loop import ArrayTree
from catlearn.errors import CheckpointError

__all__ = ["Checkpoint", "Checkpointing", "FlatState", "load", "save"]

_FORMAT = "catlearn-checkpoint-1"
_DICT_PATH = re.compile(r"(\['[^'\]]*'\])+")


@dataclass
class Checkpoint:
    """The content of a checkpoint file: ``params``, ``opt_state``, ``step``, ``metadata``.

    >>> Checkpoint({"w": 1.0}).step
    0
    """

    params: Any
    opt_state: Any = None
    step: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlatState:
    """An optimiser state read without a template: its ``leaves`` (and their saved ``paths``)
    in flattening order. :meth:`unflatten` fills a template's structure; ``fit`` does it
    with ``opt.init(params)``.

    >>> import jax.numpy as jnp, optax
    >>> params = {"w": jnp.zeros(2)}
    >>> flat = FlatState([jnp.ones(2)], ["['opt_state'][0].trace['w']"])
    >>> flat.unflatten(optax.sgd(0.1, momentum=0.9).init(params))[0].trace["w"]
    Array([1., 1.], dtype=float32)
    """

    leaves: list[Any]
    paths: list[str] = field(default_factory=list)

    def unflatten(self, like: ArrayTree) -> Any:
        """The leaves in the structure of ``like`` (e.g. ``opt.init(params)``), after
        checking their number, shapes and dtypes; a mismatch raises CheckpointError."""
        want, treedef = jax.tree_util.tree_flatten(like)
        if len(want) != len(self.leaves):
            raise CheckpointError(
                f"Expected an optimiser state with {len(want)} leaves (the optimiser passed "
                f"now), got {len(self.leaves)} from the checkpoint. Resume with the optimiser "
                "it was saved with, or load it with like=(params, opt.init(params))."
            )
        for i, (w, g) in enumerate(zip(want, self.leaves)):
            if np.shape(w) != np.shape(g) or jnp.result_type(w) != jnp.result_type(g):
                where = self.paths[i] if i < len(self.paths) else f"leaf {i}"
                raise CheckpointError(
                    f"Expected the optimiser state leaf {where} of shape {np.shape(w)} and "
                    f"dtype {jnp.result_type(w)}, got {np.shape(g)} and {jnp.result_type(g)}. "
                    "Resume with the optimiser and parameters it was saved with."
                )
        return jax.tree_util.tree_unflatten(treedef, self.leaves)


def _is_key(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jax.dtypes.prng_key)


def _encode(leaf: Any) -> tuple[np.ndarray, dict[str, Any]]:
    meta: dict[str, Any]
    if _is_key(leaf):
        impl = str(jax.random.key_impl(leaf))
        arr = np.asarray(jax.random.key_data(leaf))
        meta = {"key_impl": impl}
    else:
        arr = np.asarray(leaf)
        meta = {}
        if arr.dtype.kind in "OUS":
            raise CheckpointError(
                f"Expected array (or number) leaves, got {type(leaf).__name__} {leaf!r:.60}. "
                "Keep strings and objects out of params/opt_state: put them in metadata=."
            )
    meta.update(dtype=arr.dtype.name, shape=list(arr.shape))
    return np.frombuffer(arr.tobytes(order="C"), dtype=np.uint8), meta


def _decode(raw: np.ndarray, meta: dict[str, Any]) -> Any:
    arr = np.frombuffer(raw.tobytes(), dtype=jnp.dtype(meta["dtype"])).reshape(tuple(meta["shape"]))
    if "key_impl" in meta:
        return jax.random.wrap_key_data(jnp.asarray(arr), impl=meta["key_impl"])
    return jnp.asarray(arr)


def _describe(tree: Any) -> tuple[list[str], list[Any], Any]:
    flat, treedef = jax.tree_util.tree_flatten_with_path(tree)
    paths = [jax.tree_util.keystr(p) for p, _ in flat]
    return paths, [x for _, x in flat], treedef


def _check_path(path: Any) -> str | os.PathLike[str]:
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        raise errors.ArgumentTypeError(
            f"Expected a file path (str or os.PathLike) for the checkpoint, got "
            f"{type(path).__name__} ({path!r:.60}); pass e.g. 'ckpt.npz'."
        )
    return path


def save(
    path: str | os.PathLike[str],
    params: ArrayTree,
    opt_state: ArrayTree = None,
    *,
    step: int = 0,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write ``params`` and ``opt_state`` (any pytrees of arrays) to ``path`` (``.npz``).

    The file is written to ``path + '.tmp'`` and renamed, so a crash never leaves half a
    checkpoint under the final name. ``metadata`` must be JSON-serialisable.

    >>> import tempfile, os, jax.numpy as jnp
    >>> save(os.path.join(tempfile.mkdtemp(), "p.npz"), {"w": jnp.ones(2)})
    """
    _check_path(path)
    tree = {"params": params, "opt_state": opt_state}
    paths, leaves, treedef = _describe(tree)
    arrays: dict[str, np.ndarray] = {}
    metas = []
    digest = hashlib.sha256()
    for i, (p, leaf) in enumerate(zip(paths, leaves)):
        try:
            raw, meta = _encode(leaf)
        except CheckpointError as e:
            raise CheckpointError(
                f"Cannot save the checkpoint {os.fspath(path)!r} at {p}: {e}"
            ) from None
        meta["path"] = p
        metas.append(meta)
        arrays[f"leaf_{i}"] = raw
        digest.update(p.encode())
        digest.update(raw.tobytes())
    try:
        header = json.dumps(
            {
                "format": _FORMAT,
                "step": int(step),
                "metadata": metadata or {},
                "treedef": str(treedef),
                "leaves": metas,
                "sha256": digest.hexdigest(),
            }
        )
    except TypeError as e:
        raise CheckpointError(
            f"Expected JSON-serialisable metadata, got {metadata!r} ({e})."
        ) from None
    path = os.fspath(path)
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            np.savez(
                f,
                __header__=np.frombuffer(header.encode(), dtype=np.uint8),
                **cast(dict[str, Any], arrays),
            )
        os.replace(tmp, path)
    except OSError as e:
        raise CheckpointError(
            f"Cannot write the checkpoint {path!r}: {e.strerror or e}. Expected a writable "
            "file in an existing directory; create the directory or choose another path."
        ) from None


def _read(path: str) -> tuple[dict[str, Any], list[Any]]:
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:
            header = json.loads(z["__header__"].tobytes().decode())
            raws = [z[f"leaf_{i}"] for i in range(len(header["leaves"]))]
    except FileNotFoundError:
        raise CheckpointError(f"No checkpoint at {path!r}: the file does not exist.") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, UnicodeDecodeError) as e:
        raise CheckpointError(
            f"The checkpoint {path!r} is corrupt or not a catlearn checkpoint ({e}). "
            "Expected a file written by catlearn.training.checkpoint.save; re-save it."
        ) from None
    if header.get("format") != _FORMAT:
        raise CheckpointError(
            f"Expected a checkpoint of format {_FORMAT!r}, got {header.get('format')!r}."
        )
    digest = hashlib.sha256()
    for meta, raw in zip(header["leaves"], raws):
        digest.update(meta["path"].encode())
        digest.update(raw.tobytes())
    if digest.hexdigest() != header["sha256"]:
        raise CheckpointError(
            f"The checkpoint {path!r} is corrupt: its SHA-256 digest does not match its "
            "content. Re-save it from the training run."
        )
    leaves = []
    for meta, raw in zip(header["leaves"], raws):
        try:
            leaves.append(_decode(raw, meta))
        except (TypeError, ValueError) as e:
            raise CheckpointError(
                f"The checkpoint {path!r} is corrupt at {meta['path']} ({e})."
            ) from None
    return header, leaves


def load(path: str | os.PathLike[str], like: ArrayTree = None) -> Checkpoint:
    """Read a checkpoint written by :func:`save`.

    ``like`` is a template ``(params, opt_state)`` (or just ``params``) with the structure,
    shapes and dtypes expected; the result fills it. Without ``like``, parameters that are
    nested dicts of arrays are rebuilt (others raise CheckpointError asking for ``like=``),
    and ``opt_state`` comes back as a :class:`FlatState` that ``fit(opt_state=...)`` accepts.

    >>> import tempfile, os, jax.numpy as jnp
    >>> path = os.path.join(tempfile.mkdtemp(), "p.npz")
    >>> save(path, {"w": jnp.arange(3.0)})
    >>> load(path, like={"w": jnp.zeros(3)}).params["w"]
    Array([0., 1., 2.], dtype=float32)
    """
    path = os.fspath(_check_path(path))
    header, leaves = _read(path)
    metas = header["leaves"]
    if like is None:
        items = [
            (m["path"], x) for m, x in zip(metas, leaves) if m["path"].startswith("['params']")
        ]
        odd = [p for p, _ in items if not _DICT_PATH.fullmatch(p)]
        if odd:
            raise CheckpointError(
                f"The parameters in {path!r} are not nested dicts (e.g. the leaf {odd[0]}), so "
                "they cannot be rebuilt without a template. Expected like=params or "
                "like=(params, opt.init(params)); pass it to load."
            )
        params = _rebuild_plain(items)
        rest = [
            (m["path"], x) for m, x in zip(metas, leaves) if m["path"].startswith("['opt_state']")
        ]
        opt_state = FlatState([x for _, x in rest], [p for p, _ in rest]) if rest else None
        return Checkpoint(params, opt_state, header["step"], header["metadata"])
    template = (
        {"params": like[0], "opt_state": like[1]}
        if isinstance(like, tuple) and len(like) == 2
        else {"params": like, "opt_state": None}
    )
    want_paths, want_leaves, treedef = _describe(template)
    got_paths = [m["path"] for m in metas]
    if want_paths != got_paths:
        missing = [p for p in want_paths if p not in got_paths]
        extra = [p for p in got_paths if p not in want_paths]
        raise CheckpointError(
            f"The checkpoint {path!r} does not match the template: missing leaves "
            f"{missing[:5]}, unexpected leaves {extra[:5]}. Expected the same parameter "
            "groups and optimiser as when it was saved (pass like=(params, opt.init(params)))."
        )
    for p, want, got in zip(want_paths, want_leaves, leaves):
        ws, gs = tuple(np.shape(want)), tuple(np.shape(got))
        wd, gd = jnp.result_type(want) if not _is_key(want) else want.dtype, got.dtype
        if ws != gs or wd != gd:
            raise CheckpointError(
                f"The checkpoint {path!r} does not match the template at {p}: expected "
                f"shape {ws} and dtype {wd}, got shape {gs} and dtype {gd}."
            )
    tree = jax.tree_util.tree_unflatten(treedef, leaves)
    return Checkpoint(tree["params"], tree["opt_state"], header["step"], header["metadata"])


def _rebuild_plain(items: list[tuple[str, Any]]) -> Any:
    """Nested dicts from paths like ``['params']['fc']['W']`` (dict keys only)."""
    root: dict[str, Any] = {}
    for path, x in items:
        keys = [k.strip("'\"") for k in path.strip("[]").split("][")][1:]
        if not keys:
            return x
        node = root
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = x
    return root


@dataclass(frozen=True)
class Checkpointing:
    """When a trainer saves: the one policy of :func:`~catlearn.training.fit` and
    :func:`~catlearn.training.fit_functor` (their ``checkpoint=`` and ``checkpoint_every=``).

    With a ``path``, the trainer saves (:func:`save`) there every ``every`` epochs (counted from
    the start of training, so a resumed run saves at the same epochs) and once more when it
    ends, interrupted or not; ``step`` is the number of epochs done. ``every`` without a path
    would save nothing and is refused.

    >>> import jax.numpy as jnp, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> policy = Checkpointing.of(path, every=2)
    >>> [policy.due(done_before=b, done=b + 1) for b in range(4)]
    [False, True, False, True]
    >>> policy.after(0, 2, {"w": jnp.ones(2)}, None); load(path).step
    2
    >>> Checkpointing.of(None, every=2)
    Traceback (most recent call last):
    catlearn.errors.HyperparameterError: Expected a checkpoint path with checkpoint_every=2, got checkpoint=None: ...
    """

    path: str | os.PathLike[str] | None = None
    every: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        path: str | os.PathLike[str] | None,
        every: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Checkpointing:
        """The policy of a trainer's ``checkpoint=path, checkpoint_every=every``, checked."""
        if every is not None and (
            isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1
        ):
            raise errors.HyperparameterError(
                f"Expected checkpoint_every to be a positive int (save every that many "
                f"epochs), got {every!r}."
            )
        if every is not None and path is None:
            raise errors.HyperparameterError(
                f"Expected a checkpoint path with checkpoint_every={every}, got "
                "checkpoint=None: nothing would be saved. Pass checkpoint='run.ckpt' (or drop "
                "checkpoint_every)."
            )
        if path is not None:
            _check_path(path)
        return cls(path, None if every is None else int(every), dict(metadata or {}))

    def due(self, done_before: int, done: int) -> bool:
        """Whether a multiple of ``every`` lies in ``(done_before, done]`` (epochs done)."""
        if self.path is None or self.every is None:
            return False
        return done // self.every > done_before // self.every

    def after(self, done_before: int, done: int, params: ArrayTree, opt_state: ArrayTree) -> None:
        """Save if a checkpoint is due after epochs ``done_before .. done - 1`` ran."""
        if self.due(done_before, done):
            self.save(done, params, opt_state)

    def save(self, done: int, params: ArrayTree, opt_state: ArrayTree) -> None:
        """Save now (when there is a path), with ``step=done``."""
        if self.path is not None:
            save(self.path, params, opt_state, step=done, metadata=self.metadata)
