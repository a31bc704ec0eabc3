"""Pushes that are safe to retry: a request id per push, sent again with each retry after UNAVAILABLE or
DEADLINE_EXCEEDED, so that a store that remembers it applies the push once."""
import os
import random
import time

import grpc

# The answers after which a push may or may not have been applied; any other error is raised at once.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})

MAX_REQUEST_ID_BYTES = 64


def new_request_id():
    """A fresh request id: 16 random bytes."""
    return os.urandom(16)


def check_request_id(request_id):
    """``request_id`` as bytes, or a fresh one when it is None; refuses one outside 1 to 64 bytes."""
    if request_id is None:
        return new_request_id()
    request_id = bytes(request_id)
    if not 1 <= len(request_id) <= MAX_REQUEST_ID_BYTES:
        raise ValueError(f"a request id has 1 to {MAX_REQUEST_ID_BYTES} bytes, not {len(request_id)}")
    return request_id


class RetryPolicy:
    """How a push is retried after UNAVAILABLE or DEADLINE_EXCEEDED: ``attempts`` in all (1: no retry), waiting
    ``min(max_backoff, initial_backoff * multiplier ** (retry - 1))`` seconds before retry number ``retry``, cut at
    random by up to half (jitter). Each attempt gets the client's whole ``timeout``. Other calls are never retried."""

    def __init__(self, attempts=3, initial_backoff=0.1, multiplier=2.0, max_backoff=2.0):
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        if initial_backoff < 0 or max_backoff < 0:
            raise ValueError("backoffs must not be negative")
        if multiplier < 1:
            raise ValueError(f"multiplier must be at least 1, not {multiplier}")
        self.attempts, self.initial_backoff = attempts, initial_backoff
        self.multiplier, self.max_backoff = multiplier, max_backoff

    def __repr__(self):
        return (f"RetryPolicy(attempts={self.attempts}, initial_backoff={self.initial_backoff}, "
                f"multiplier={self.multiplier}, max_backoff={self.max_backoff})")

    def backoff(self, retry, rng=random):
        """Seconds to wait before retry number ``retry`` (1 before the second attempt): half to all of its backoff."""
        full = min(self.max_backoff, self.initial_backoff * self.multiplier ** (retry - 1))
        return full * (0.5 + 0.5 * rng.random())

    def run(self, attempt):
        """Calls ``attempt()`` until it returns, fails with a code not in RETRYABLE, or no attempt is left;
        raises the last error."""
        for number in range(1, self.attempts + 1):
            try:
                return attempt()
            except grpc.RpcError as error:
                if number == self.attempts or error.code() not in RETRYABLE:
                    raise
            time.sleep(self.backoff(number))


NO_RETRY = RetryPolicy(attempts=1)
