"""Python client of the embedding store: rows come back as numpy arrays, pushes take numpy arrays.

    from embstore import Client
    with Client("127.0.0.1:5191") as store:
        vectors, metas = store.pull("mymodel", tokens=["good", "@user"])
        store.push("mymodel", [m.id for m in metas if m.trainable], gradients)
"""
from embstore._stubs import pb, pb_grpc
from embstore.client import Client
from embstore.retry import NO_RETRY, RetryPolicy, new_request_id
from embstore.row_cache import ImmutableRowCache
from embstore.subscription import Change, Subscription

__all__ = ["Client", "Change", "ImmutableRowCache", "NO_RETRY", "RetryPolicy", "Subscription", "new_request_id",
           "pb", "pb_grpc"]
