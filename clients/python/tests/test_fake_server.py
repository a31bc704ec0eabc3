"""Client-side behaviour against an in-process fake server: the API key's metadata, subscriptions,
pushes retried with their request id, enum names, vector packing and the immutable-row cache. No store needed."""
import struct
import threading
import time
import unittest
from concurrent import futures

import grpc
import numpy as np

from embstore import NO_RETRY, Client, ImmutableRowCache, RetryPolicy, pb, pb_grpc
from embstore.enums import enum_value
from embstore.vectors import pack, unpack


class RecordingAdmin(pb_grpc.AdminServicer):
    """Answers ListTables and remembers the metadata of the call."""

    def __init__(self):
        self.metadata = None

    def ListTables(self, request, context):
        self.metadata = dict(context.invocation_metadata())
        return pb.ListTablesResponse(tables=[pb.TableInfo(name="t", dim=3)])

    def Checkpoint(self, request, context):
        self.compact = request.compact
        return pb.CheckpointResponse(token="t", duration_ms=1)


class FakeRows(pb_grpc.RowsServicer):
    """Subscribe sends one batch, then ends (view "v") or stays open like a live subscription."""

    def Subscribe(self, request, context):
        yield pb.ChangeBatch(dim=3, tokens=["a", "b"], vectors=np.arange(1, 7, dtype="<f4").tobytes(),
                             rows=[pb.RowMeta(id=1 << 40, version=7), pb.RowMeta(id=2, version=8)],
                             version=8, caught_up=True)
        if request.view == "live":
            while context.is_active():
                time.sleep(0.05)


class FlakyPush(pb_grpc.RowsServicer):
    """Push fails with ``failures`` in turn (a float: sleeps that many seconds, past the client's deadline),
    then answers; it records the request id of every attempt. Pull fails with UNAVAILABLE, counted."""

    def __init__(self, *failures):
        self.failures = list(failures)
        self.request_ids = []
        self.pulls = 0

    def Push(self, request, context):
        self.request_ids.append(request.request_id)
        attempt = len(self.request_ids)
        if attempt <= len(self.failures):
            failure = self.failures[attempt - 1]
            if isinstance(failure, float):
                time.sleep(failure)
            else:
                context.abort(failure, f"attempt {attempt} fails")
        return pb.PushResponse(applied=len(request.ids), version=7, replayed=attempt > 1,
                               dim=2 if request.return_rows else 0,
                               vectors=np.array([5, 6], dtype="<f4").tobytes() if request.return_rows else b"")

    def Pull(self, request, context):
        self.pulls += 1
        context.abort(grpc.StatusCode.UNAVAILABLE, "down")


def serve(test, add, servicer):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    test.addCleanup(server.stop, None)
    return f"127.0.0.1:{port}"


class FakeServerTests(unittest.TestCase):
    def test_checkpoint_Compact_SentInTheRequest(self):
        admin = RecordingAdmin()
        with Client(serve(self, pb_grpc.add_AdminServicer_to_server, admin)) as store:
            store.checkpoint()
            self.assertFalse(admin.compact)
            store.checkpoint(compact=True)
            self.assertTrue(admin.compact)

    def test_subscribe_Batch_ChangeWithNumpyVectors(self):
        with Client(serve(self, pb_grpc.add_RowsServicer_to_server, FakeRows())) as store:
            changes = list(store.subscribe("v"))
        self.assertEqual(len(changes), 1)
        self.assertEqual(changes[0].tokens, ["a", "b"])
        np.testing.assert_array_equal(changes[0].vectors, [[1, 2, 3], [4, 5, 6]])
        self.assertEqual((changes[0].version, changes[0].caught_up), (8, True))
        self.assertEqual(changes[0].rows[0].id, 1 << 40)

    def test_subscribe_Cancelled_IterationEndsQuietly(self):
        with Client(serve(self, pb_grpc.add_RowsServicer_to_server, FakeRows())) as store:
            live = store.subscribe("live")
            self.assertTrue(next(live).caught_up)
            live.cancel()
            self.assertEqual(list(live), [])

    def test_api_key_EveryCall_SendsBearerAuthorization(self):
        admin = RecordingAdmin()
        address = serve(self, pb_grpc.add_AdminServicer_to_server, admin)
        with Client(f"http://{address}", api_key="s3cret", timeout=10) as store:
            tables = store.list_tables()
        self.assertEqual([t.name for t in tables], ["t"])
        self.assertEqual(admin.metadata.get("authorization"), "Bearer s3cret")


QUICK = RetryPolicy(initial_backoff=0.001)


class PushRetryTests(unittest.TestCase):
    def flaky(self, *failures, retry=QUICK, timeout=10):
        rows = FlakyPush(*failures)
        store = Client(serve(self, pb_grpc.add_RowsServicer_to_server, rows), timeout=timeout, push_retry=retry)
        self.addCleanup(store.close)
        return store, rows

    def test_push_Unavailable_RetriedWithTheSameRequestId(self):
        store, rows = self.flaky(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        reply = store.push("v", [3], np.ones((1, 2)), kind="delta")
        self.assertEqual((reply.applied, reply.version, reply.replayed), (1, 7, True))
        self.assertEqual(len(rows.request_ids), 3)
        self.assertEqual(len(rows.request_ids[0]), 16)
        self.assertEqual(set(rows.request_ids), {rows.request_ids[0]})

    def test_push_DeadlinePassed_EachAttemptItsOwnDeadline(self):
        store, rows = self.flaky(1.0, timeout=0.3)
        reply, vectors = store.push("v", [3], np.ones((1, 2)), return_rows=True)
        self.assertEqual(reply.applied, 1)
        np.testing.assert_array_equal(vectors, [[5, 6]])
        self.assertEqual(len(rows.request_ids), 2)
        self.assertEqual(rows.request_ids[0], rows.request_ids[1])

    def test_push_TwoPushes_DifferentRequestIds(self):
        store, rows = self.flaky()
        store.push("v", [3], np.ones((1, 2)))
        store.push("v", [3], np.ones((1, 2)))
        self.assertEqual(len(rows.request_ids), 2)
        self.assertNotEqual(rows.request_ids[0], rows.request_ids[1])

    def test_push_CallerRequestId_SentOnEveryAttempt(self):
        store, rows = self.flaky(grpc.StatusCode.UNAVAILABLE)
        store.push("v", [3], np.ones((1, 2)), request_id=b"\x01\x02\x03")
        self.assertEqual(rows.request_ids, [b"\x01\x02\x03"] * 2)
        for wrong in (b"", bytes(65)):
            with self.assertRaises(ValueError):
                store.push("v", [3], np.ones((1, 2)), request_id=wrong)

    def test_push_OtherCodes_NotRetried(self):
        for code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
            with self.subTest(code=code):
                store, rows = self.flaky(code)
                with self.assertRaises(grpc.RpcError) as caught:
                    store.push("v", [3], np.ones((1, 2)))
                self.assertEqual(caught.exception.code(), code)
                self.assertEqual(len(rows.request_ids), 1)

    def test_push_AlwaysUnavailable_AttemptsBoundedThenTheLastError(self):
        for retry, attempts in ((QUICK, 3), (RetryPolicy(attempts=5, initial_backoff=0.001), 5), (NO_RETRY, 1)):
            with self.subTest(attempts=attempts):
                store, rows = self.flaky(*[grpc.StatusCode.UNAVAILABLE] * 10, retry=retry)
                with self.assertRaises(grpc.RpcError) as caught:
                    store.push("v", [3], np.ones((1, 2)))
                self.assertEqual(caught.exception.details(), f"attempt {attempts} fails")
                self.assertEqual(len(rows.request_ids), attempts)

    def test_pull_Unavailable_NotRetried(self):
        store, rows = self.flaky()
        with self.assertRaises(grpc.RpcError):
            store.pull("v", ids=[1])
        self.assertEqual(rows.pulls, 1)

    def test_backoff_GrowsByTheMultiplier_CappedWithJitterOfHalf(self):
        policy = RetryPolicy(initial_backoff=0.1, multiplier=2, max_backoff=0.3)
        for _ in range(100):
            self.assertTrue(0.05 <= policy.backoff(1) <= 0.1)
            self.assertTrue(0.1 <= policy.backoff(2) <= 0.2)
            self.assertTrue(0.15 <= policy.backoff(5) <= 0.3)
        self.assertEqual((RetryPolicy().attempts, NO_RETRY.attempts), (3, 1))
        for wrong in ({"attempts": 0}, {"initial_backoff": -1}, {"multiplier": 0.5}):
            with self.assertRaises(ValueError):
                RetryPolicy(**wrong)


class ConversionTests(unittest.TestCase):
    def test_enum_value_PlainWords_MapToProtoValues(self):
        self.assertEqual(enum_value("TrainMode", "fine-tune"), pb.TRAIN_MODE_FINE_TUNE)
        self.assertEqual(enum_value("OptimizerKind", "lazy-adam"), pb.OPTIMIZER_KIND_LAZY_ADAM)
        self.assertEqual(enum_value("UnknownPolicy", None), 0)

    def test_enum_value_UnknownWord_ListsTheKnownOnes(self):
        with self.assertRaises(ValueError) as caught:
            enum_value("TrainMode", "frozen")
        self.assertIn("fine-tune", str(caught.exception))

    def test_pack_unpack_RoundTripLittleEndianFloat32(self):
        values = np.arange(6, dtype=np.float64).reshape(2, 3) / 4
        data = pack(values, 2)
        self.assertEqual(data[4:8], struct.pack("<f", 0.25))
        self.assertEqual(len(data), 24)
        restored = unpack(data, 2, 3)
        np.testing.assert_array_equal(restored, values)
        restored[0, 0] = 9  # writable: callers update pulled rows in place

    def test_pack_ValuesNotSplittingIntoRows_Refused(self):
        with self.assertRaises(ValueError):
            pack(np.ones(5), 2)


class ImmutableRowCacheTests(unittest.TestCase):
    def test_offer_MutableRow_NotKept(self):
        cache = ImmutableRowCache("v", capacity=4)
        cache.offer(pb.RowMeta(id=7, immutable=False), [1, 2, 3])
        self.assertEqual((len(cache), cache.dim), (0, 0))
        self.assertIsNone(cache.get(7))

    def test_offer_ImmutableRow_KeptAsACopy(self):
        cache = ImmutableRowCache("v", capacity=4)
        row = np.array([1, 2, 3], dtype=np.float32)
        cache.offer(pb.RowMeta(id=7, immutable=True), row)
        row[0] = 9
        vector, meta = cache.get(7)
        vector[1] = 9
        np.testing.assert_array_equal(cache.get(7)[0], [1, 2, 3])
        self.assertEqual((meta.id, cache.count, cache.dim), (7, 1, 3))

    def test_offer_OtherDimension_ValueError(self):
        cache = ImmutableRowCache("v", capacity=4)
        cache.offer(pb.RowMeta(id=1, immutable=True), [1, 2, 3])
        with self.assertRaises(ValueError):
            cache.offer(pb.RowMeta(id=2, immutable=True), [1, 2])

    def test_offer_ManyRowsFromThreads_CapacityKeptAcrossBlocks(self):
        cache = ImmutableRowCache("v", capacity=5000)

        def offer(start):
            for i in range(start, 6000, 4):
                cache.offer(pb.RowMeta(id=i, immutable=True), [i, -i])

        threads = [threading.Thread(target=offer, args=(start,)) for start in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(cache), 5000)
        kept = [i for i in range(6000) if cache.get(i) is not None]
        self.assertEqual(len(kept), 5000)
        for i in kept[::97]:
            np.testing.assert_array_equal(cache.get(i)[0], [i, -i])

    def test_init_NoViewOrNegativeCapacity_ValueError(self):
        with self.assertRaises(ValueError):
            ImmutableRowCache("", 4)
        with self.assertRaises(ValueError):
            ImmutableRowCache("v", -1)
