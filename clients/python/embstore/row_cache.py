"""Keeps the rows the store marks immutable, so that each is pulled once (``Client.pull(cache, ids=...)``)."""
import threading

import numpy as np

_BLOCK_ROWS = 4096


class ImmutableRowCache:
    """The rows of one view that the store marked ``immutable`` (a table's base rows read through views
    none of which is a fine-tune view, a static view's or a snapshot's own rows, the padding row), kept
    on the client: ``Client.pull(cache, ids=...)`` reads them from here and asks the store only for the
    others. Rows the store may still change are never kept.

    ``view``: the view whose rows it keeps (pulls through the cache go to it). ``capacity``: the most
    rows kept, the first ones seen (e.g. the size of the vocabulary a model reads); memory grows with
    the rows kept, in numpy blocks. A kept row is served even after its view, its table or the row
    itself was deleted: the caller learns of that from its next call that reaches the store.
    Safe to use from several threads at once.
    """

    def __init__(self, view, capacity):
        if not view or not isinstance(view, str):
            raise ValueError("view must be a non-empty string")
        if capacity < 0:
            raise ValueError(f"capacity must not be negative, got {capacity}")
        self.view = view
        self.capacity = int(capacity)
        self._dim = self._hits = self._misses = 0
        self._rows = {}  # id -> (slot, RowMeta)
        self._blocks = []  # float32 (block_rows, dim) arrays; slot s is row s % block_rows of block s // block_rows
        self._block_rows = max(1, min(_BLOCK_ROWS, self.capacity))
        self._lock = threading.Lock()

    def __len__(self):
        with self._lock:
            return len(self._rows)

    @property
    def count(self):
        """Rows kept."""
        return len(self)

    @property
    def dim(self):
        """The dimension of the rows kept (0 until the first row)."""
        return self._dim

    @property
    def hits(self):
        """Rows served from the cache so far."""
        return self._hits

    @property
    def misses(self):
        """Rows that had to be pulled from the store so far."""
        return self._misses

    def get(self, row_id):
        """``(vector, meta)`` of the row when it is kept (the vector a copy), else None."""
        vectors, metas, missing = self._read([int(row_id)])
        return None if missing else (vectors[0], metas[0])

    def offer(self, meta, vector):
        """Keeps the row if the store marked it immutable and there is room; otherwise does nothing.

        Raises ValueError when its length differs from the rows kept before.
        """
        if not meta.immutable:
            return
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        with self._lock:
            if self._dim == 0:
                self._dim = vector.size
            if vector.size != self._dim:
                raise ValueError(f"a row of {vector.size} floats offered to a cache of {self._dim}-d rows")
            if len(self._rows) >= self.capacity or meta.id in self._rows:
                return
            slot = len(self._rows)
            block, row = divmod(slot, self._block_rows)
            if block == len(self._blocks):
                self._blocks.append(np.empty((self._block_rows, self._dim), dtype=np.float32))
            self._blocks[block][row] = vector
            self._rows[meta.id] = (slot, meta)

    def _read(self, ids):
        """The kept rows among ``ids``: ``(vectors, metas, missing)``, vectors float32 ``(len(ids), dim)``
        filled at the kept rows, metas None and the index listed in ``missing`` at the others."""
        with self._lock:
            vectors = np.zeros((len(ids), self._dim), dtype=np.float32)
            metas, missing = [None] * len(ids), []
            for j, row_id in enumerate(ids):
                entry = self._rows.get(row_id)
                if entry is None:
                    missing.append(j)
                    continue
                slot, metas[j] = entry
                block, row = divmod(slot, self._block_rows)
                vectors[j] = self._blocks[block][row]
            return vectors, metas, missing

    def _tally(self, hits, misses):
        with self._lock:
            self._hits += hits
            self._misses += misses

    def __repr__(self):
        return (f"ImmutableRowCache(view={self.view!r}, capacity={self.capacity}, count={len(self)}, "
                f"hits={self.hits}, misses={self.misses})")
