"""The embedding store client: one channel, the Admin and Rows methods, auth and deadlines."""
import time

import grpc

from embstore._admin import AdminMethods
from embstore._rows import RowsMethods
from embstore._stubs import pb, pb_grpc
from embstore.channel import auth_metadata, open_channel
from embstore.retry import RetryPolicy


class Client(AdminMethods, RowsMethods):
    """Client of one embedding store.

    ``address``: ``host:port`` (``http://`` and ``https://`` prefixes accepted). ``api_key`` is sent
    on every call as ``authorization: Bearer <key>``. ``ca_cert`` (PEM bytes or file path) turns on
    TLS against that authority. ``timeout``: seconds allowed to each unary call (None: no deadline).
    ``push_retry``: a :class:`RetryPolicy` for pushes after UNAVAILABLE or DEADLINE_EXCEEDED (default: 3 attempts,
    each with the same request id and its own ``timeout``; ``NO_RETRY`` for none); other calls are never retried.
    Server errors surface as ``grpc.RpcError``: ``code()`` says what went wrong (NOT_FOUND,
    FAILED_PRECONDITION...), ``details()`` names the culprit.
    """

    def __init__(self, address="127.0.0.1:5191", api_key=None, ca_cert=None, timeout=None, push_retry=None):
        self._channel = open_channel(address, ca_cert=ca_cert)
        self._metadata = auth_metadata(api_key)
        self._timeout = timeout
        self.push_retry = push_retry if push_retry is not None else RetryPolicy()
        self._admin = pb_grpc.AdminStub(self._channel)
        self._rows = pb_grpc.RowsStub(self._channel)

    def wait_until_ready(self, timeout=30.0):
        """Waits until the store answers (it reports UNAVAILABLE while it recovers)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._admin.ListTables(pb.ListTablesRequest(), metadata=self._metadata,
                                       timeout=max(0.1, deadline - time.monotonic()), wait_for_ready=True)
                return
            except grpc.RpcError as error:
                if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) \
                        or time.monotonic() >= deadline:
                    raise
            time.sleep(0.1)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _unary(self):
        return {"metadata": self._metadata, "timeout": self._timeout}
