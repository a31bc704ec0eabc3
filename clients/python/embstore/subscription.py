"""A running Subscribe call, iterated as :class:`Change` items with numpy vectors."""
from dataclasses import dataclass

import grpc
import numpy as np

from embstore.vectors import unpack


@dataclass
class Change:
    """One ChangeBatch: ``vectors[i]`` is the new vector of ``tokens[i]``, ``rows[i]`` its RowMeta."""
    tokens: list
    vectors: np.ndarray
    rows: list
    removed_tokens: list
    version: int
    caught_up: bool
    resync: bool


class Subscription:
    """Iterator over a subscription's changes; ``cancel()`` (or leaving a ``with`` block) ends it."""

    def __init__(self, call):
        self._call = call

    def __iter__(self):
        return self

    def __next__(self):
        try:
            batch = next(self._call)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED and self._call.cancelled():
                raise StopIteration from None
            raise
        return Change(tokens=list(batch.tokens), vectors=unpack(batch.vectors, len(batch.tokens), batch.dim),
                      rows=list(batch.rows), removed_tokens=list(batch.removed_tokens), version=batch.version,
                      caught_up=batch.caught_up, resync=batch.resync)

    def cancel(self):
        self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()
