r"""Data-parallel sharding of a training batch across devices, with JAX's own machinery.

Data parallelism is the monoidal product at work: a minibatch of ``B`` examples is the tensor
``x_1 \otimes \dots \otimes x_n`` of ``n`` shards of ``B / n`` examples, each device runs the
same per-example arrow on its shard, and the gradients of the (mean) loss add up across
devices by an all-reduce,

.. math::
   \nabla_p \tfrac1B \sum_{i<B} \ell_i = \tfrac1n \sum_{d<n} \nabla_p \tfrac{n}{B}
   \sum_{i \in \mathrm{shard}_d} \ell_i ,

which is ``jax.lax.pmean`` over the mesh axis ``"data"`` inside ``jax.shard_map``.
(Goyal et al., *Accurate, Large Minibatch SGD*, 2017, for the data-parallel recipe.)

:func:`data_mesh` builds the one-axis :class:`jax.sharding.Mesh` that
:func:`catlearn.training.train.fit` uses when given ``devices=`` or ``mesh=``.

**Multi-host.** The same code runs across several hosts (GPU/TPU pods): every process calls
``jax.distributed.initialize()`` (coordinator address, number of processes and process id
come from the environment on Cloud TPU / SLURM, or as arguments), loads the *same* data
arrays (they are replicated on the mesh, each device then gathers its own shard of every
minibatch), and calls ``fit(..., devices=jax.devices())``: ``jax.devices()`` lists the
devices of *all* processes, so the mesh spans the pod, and the all-reduce of the gradients
crosses hosts. Only process 0 should write checkpoints and show progress
(``progress=jax.process_index() == 0``)::

    import jax
    jax.distributed.initialize()              # once per process, before any JAX call
    result = fit(model, params, (X, y), loss="softmax_cross_entropy",
                 optimizer=optax.adam(1e-3), epochs=10, batch_size=1024,
                 key=jax.random.key(0), devices=jax.devices(),
                 progress=jax.process_index() == 0)

>>> import jax
>>> mesh = data_mesh(1)
>>> mesh.axis_names, mesh.size
(('data',), 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from catlearn.errors import DataError

__all__ = ["DATA_AXIS", "data_mesh", "replicate"]

DATA_AXIS = "data"
"""The name of the mesh axis along which the batch is split."""


def data_mesh(devices: int | Sequence[Any] | Mesh | None = None) -> Mesh:
    """A one-axis mesh named ``"data"`` over ``devices``.

    ``devices`` is a number (the first ``n`` of ``jax.devices()``), a list of devices, an
    existing :class:`~jax.sharding.Mesh` (returned as is; it must have a ``"data"`` axis), or
    ``None`` for all devices.

    >>> data_mesh([jax.devices()[0]]).shape["data"]
    1
    """
    if isinstance(devices, Mesh):
        if DATA_AXIS not in devices.axis_names:
            raise DataError(
                f"Expected a mesh with an axis named {DATA_AXIS!r} to split the batch along, "
                f"got a mesh with axes {devices.axis_names}. Build it with "
                f"catlearn.training.sharding.data_mesh(devices) or Mesh(devices, ('{DATA_AXIS}',))."
            )
        return devices
    available = jax.devices()
    if devices is None:
        chosen = list(available)
    elif isinstance(devices, int | np.integer):
        if not 1 <= devices <= len(available):
            raise DataError(
                f"Expected between 1 and {len(available)} devices, got devices={devices}. "
                "On CPU, more devices can be simulated with "
                "XLA_FLAGS=--xla_force_host_platform_device_count=8 (set before importing jax)."
            )
        chosen = list(available[: int(devices)])
    else:
        chosen = list(devices)
        if not chosen:
            raise DataError("Expected at least one device, got an empty list of devices.")
    return Mesh(np.array(chosen), (DATA_AXIS,))


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place every array of ``tree`` on every device of ``mesh`` (sharding ``P()``).

    >>> import jax.numpy as jnp
    >>> replicate({"w": jnp.ones(2)}, data_mesh(1))["w"].sharding.is_fully_replicated
    True
    """
    sharding = NamedSharding(mesh, P())  # type: ignore[no-untyped-call]
    return jax.device_put(tree, sharding)
