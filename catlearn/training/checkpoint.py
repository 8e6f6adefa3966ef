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
and fills it.

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
import zipfile
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from catlearn.errors import CheckpointError

__all__ = ["Checkpoint", "load", "save"]

_FORMAT = "catlearn-checkpoint-1"


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


def _is_key(x: Any) -> bool:
    return hasattr(x, "dtype") and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def _encode(leaf: Any) -> tuple[np.ndarray, dict[str, Any]]:
    if _is_key(leaf):
        impl = str(jax.random.key_impl(leaf))
        arr = np.asarray(jax.random.key_data(leaf))
        meta = {"key_impl": impl}
    else:
        arr = np.asarray(leaf)
        meta = {}
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


def save(
    path: str | os.PathLike[str],
    params: Any,
    opt_state: Any = None,
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
    tree = {"params": params, "opt_state": opt_state}
    paths, leaves, treedef = _describe(tree)
    arrays: dict[str, np.ndarray] = {}
    metas = []
    digest = hashlib.sha256()
    for i, (p, leaf) in enumerate(zip(paths, leaves)):
        raw, meta = _encode(leaf)
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
    with open(tmp, "wb") as f:
        np.savez(f, __header__=np.frombuffer(header.encode(), dtype=np.uint8), **arrays)
    os.replace(tmp, path)


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


def load(path: str | os.PathLike[str], like: Any = None) -> Checkpoint:
    """Read a checkpoint written by :func:`save`.

    ``like`` is a template ``(params, opt_state)`` (or just ``params``) with the structure,
    shapes and dtypes expected; the result fills it. Without ``like``, only parameters that
    are nested dicts/lists of arrays can be rebuilt, and ``opt_state`` comes back as the
    flat list of its leaves.

    >>> import tempfile, os, jax.numpy as jnp
    >>> path = os.path.join(tempfile.mkdtemp(), "p.npz")
    >>> save(path, {"w": jnp.arange(3.0)})
    >>> load(path, like={"w": jnp.zeros(3)}).params["w"]
    Array([0., 1., 2.], dtype=float32)
    """
    path = os.fspath(path)
    header, leaves = _read(path)
    metas = header["leaves"]
    if like is None:
        params = _rebuild_plain(
            [(m["path"], x) for m, x in zip(metas, leaves) if m["path"].startswith("['params']")]
        )
        rest = [x for m, x in zip(metas, leaves) if m["path"].startswith("['opt_state']")]
        return Checkpoint(params, rest or None, header["step"], header["metadata"])
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
