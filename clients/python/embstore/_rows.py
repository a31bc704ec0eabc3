"""Resolve, pull, push and the read-side extras (the ``Rows`` service), with numpy arrays for vectors."""
import numpy as np

from embstore._stubs import pb
from embstore.enums import enum_value
from embstore.retry import check_request_id
from embstore.row_cache import ImmutableRowCache
from embstore.subscription import Subscription
from embstore.vectors import pack, unpack


class RowsMethods:
    """Mixed into :class:`embstore.Client`; expects ``self._rows``, ``self._metadata``, ``self._timeout``,
    ``self.push_retry``."""

    def resolve(self, view, tokens, unknown=None):
        """Row ids of ``tokens`` through ``view`` (int64 array); ``unknown`` overrides the view's policy."""
        reply = self._rows.Resolve(pb.ResolveRequest(
            view=view, tokens=list(tokens), unknown_policy=enum_value("UnknownPolicy", unknown)), **self._unary())
        return np.array(reply.ids, dtype=np.int64)

    def pull(self, view, tokens=None, ids=None, unknown=None):
        """Reads rows by ``tokens`` or by row ``ids`` (not both).

        Returns ``(vectors, metas)``: a float32 array of shape ``(n, dim)`` in request order and one
        RowMeta per row (``id``, ``origin``, ``trainable``, ``version``, ``own``, ``immutable``: the row can never
        change through this view, so a caller may keep it instead of pulling it again).

        ``view`` may be an :class:`ImmutableRowCache` instead of a view name (then by ``ids`` only): the
        rows it keeps come from it, the others from its view in one call, offered to it as they arrive.
        """
        if isinstance(view, ImmutableRowCache):
            if tokens is not None or ids is None:
                raise ValueError("a pull through an ImmutableRowCache takes ids, not tokens: resolve them first")
            return self._pull_cached(view, ids, unknown)
        if (tokens is None) == (ids is None):
            raise ValueError("give exactly one of tokens and ids")
        request = pb.PullRequest(view=view, unknown_policy=enum_value("UnknownPolicy", unknown))
        if tokens is not None:
            request.tokens.extend(tokens)
        else:
            request.ids.extend(int(i) for i in ids)
        reply = self._rows.Pull(request, **self._unary())
        return unpack(reply.vectors, len(reply.rows), reply.dim), list(reply.rows)

    def _pull_cached(self, cache, ids, unknown):
        ids = [int(i) for i in ids]
        if not ids:
            return self.pull(cache.view, ids=ids, unknown=unknown)
        vectors, metas, missing = cache._read(ids)
        cache._tally(len(ids) - len(missing), len(missing))
        if not missing:
            return vectors, metas
        pulled, pulled_metas = self.pull(cache.view, ids=[ids[j] for j in missing], unknown=unknown)
        if len(missing) == len(ids):
            vectors = pulled
        elif pulled.shape[1] != vectors.shape[1]:
            raise ValueError(f"{cache.view} sent {pulled.shape[1]}-d rows to a cache of {vectors.shape[1]}-d rows")
        else:
            vectors[missing] = pulled
        for j, row, meta in zip(missing, pulled, pulled_metas):
            metas[j] = meta
            cache.offer(meta, row)
        return vectors, metas

    def push(self, view, ids, values, kind="gradient", on_frozen="refuse", durable=False, return_rows=False,
             request_id=None):
        """Applies ``values`` (shape ``(len(ids), dim)``) to rows ``ids`` of ``view``.

        ``kind``: gradient (the view's optimizer applies them), delta (added) or assign (replace).
        A frozen row fails the whole push with FAILED_PRECONDITION unless ``on_frozen="report"``,
        which applies the others and lists it in ``rejected``. ``durable`` waits until on disk.
        ``request_id`` (1 to 64 bytes; default: 16 fresh random ones) goes with every attempt: after
        UNAVAILABLE or DEADLINE_EXCEEDED the push is sent again as ``push_retry`` allows, and a store that
        remembers the id does not apply it twice. Returns the PushResponse (``applied``, ``rejected``,
        ``version``, ``durable``, ``replayed``: the store had already applied this id and answers as it did
        then); with ``return_rows``, ``(response, rows)`` where ``rows`` (shape ``(len(ids), dim)``) holds the
        rows as this push left them, read in the same call (no second round trip; replayed: as they are now).
        """
        ids = [int(i) for i in ids]
        request = pb.PushRequest(
            view=view, kind=enum_value("PushKind", kind), ids=ids, values=pack(values, len(ids)),
            on_frozen=enum_value("OnFrozen", on_frozen),
            durability=pb.DURABILITY_SYNC if durable else pb.DURABILITY_DEFAULT, return_rows=return_rows,
            request_id=check_request_id(request_id))
        reply = self.push_retry.run(lambda: self._rows.Push(request, **self._unary()))
        return (reply, unpack(reply.vectors, len(ids), reply.dim)) if return_rows else reply

    def subscribe(self, view, tokens=(), token_prefix="", after_version=0):
        """Streams changes of the rows of interest: ``tokens``, or tokens starting with ``token_prefix``,
        or (both empty) every row the view owns or has copied.

        Returns a :class:`Subscription`: iterate it for :class:`Change` items; the first ones carry
        the current state (unless ``after_version`` is set) up to one with ``caught_up``. The call
        starts at once, before the first item is asked for. Cancel it, or use it in a ``with`` block.
        """
        call = self._rows.Subscribe(pb.SubscribeRequest(
            view=view, tokens=list(tokens), token_prefix=token_prefix, after_version=after_version),
            metadata=self._metadata)
        return Subscription(call)

    def neighbors(self, view, token=None, vector=None, k=10, restrict=0):
        """The ``k`` rows most similar by cosine to ``token`` or to ``vector``; a list of
        ``(token, id, similarity)``, most similar first."""
        if (token is None) == (vector is None):
            raise ValueError("give exactly one of token and vector")
        request = pb.NeighborsRequest(view=view, k=k, restrict=restrict)
        if token is not None:
            request.token = token
        else:
            request.vector = pack(vector, 1)
        reply = self._rows.Neighbors(request, **self._unary())
        return [(n.token, n.id, n.similarity) for n in reply.neighbors]

    def sentence_vectors(self, view, sentences, weighting="mean", sif_a=0.0):
        """One vector per sentence (a list of tokens, or a string split on whitespace).

        Returns ``(vectors, tokens_used)``: float32 ``(len(sentences), dim)`` and, per sentence,
        how many of its tokens contributed.
        """
        request = pb.SentenceVectorsRequest(
            view=view, weighting=enum_value("SentenceWeighting", weighting), sif_a=sif_a,
            sentences=[pb.Sentence(tokens=s.split() if isinstance(s, str) else list(s)) for s in sentences])
        reply = self._rows.SentenceVectors(request, **self._unary())
        return unpack(reply.vectors, len(reply.tokens_used), reply.dim), list(reply.tokens_used)

    def pull_combined(self, sources, tokens, unknown=None, missing_as_zeros=False):
        """Per token, its vectors from each source (view or table) concatenated in ``sources`` order.

        Returns ``(vectors, dims, metas)``: float32 ``(len(tokens), sum(dims))``, each source's
        dimension, and ``len(tokens) * len(sources)`` RowMetas, token-major.
        """
        tokens = list(tokens)
        reply = self._rows.PullCombined(pb.PullCombinedRequest(
            sources=list(sources), tokens=tokens, unknown_policy=enum_value("UnknownPolicy", unknown),
            missing_as_zeros=missing_as_zeros), **self._unary())
        return unpack(reply.vectors, len(tokens), reply.dim), list(reply.dims), list(reply.rows)
