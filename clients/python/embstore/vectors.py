"""Conversions between numpy arrays and the API's packed little-endian float32 ``bytes``."""
import numpy as np

_F32 = np.dtype("<f4")


def unpack(data, rows, dim):
    """Returns ``rows * dim`` packed floats as a writable float32 array of shape ``(rows, dim)``."""
    flat = np.frombuffer(data, dtype=_F32)
    if flat.size != rows * dim:
        raise ValueError(f"expected {rows} x {dim} floats, the server sent {flat.size}")
    # frombuffer views the immutable message bytes; callers train on these arrays, so copy once.
    return flat.reshape(rows, dim).astype(np.float32, copy=True)


def pack(values, rows):
    """Packs ``values`` (any array-like with ``rows`` rows, or ``rows * dim`` numbers) row after row."""
    array = np.ascontiguousarray(values, dtype=_F32)
    if rows == 0:
        if array.size:
            raise ValueError("values given for no rows")
        return b""
    if array.size == 0 or array.size % rows:
        raise ValueError(f"{array.size} values do not split into {rows} rows")
    return array.tobytes()
