"""Import, pull, push and frozen rows against the real store."""
import os
import shutil
import tempfile

import grpc
import numpy as np

from embstore import ImmutableRowCache, pb
from tests.support import SMALL_TABLE, StoreTestCase, fresh, write_small_table


class ImportTests(StoreTestCase):
    def test_upload_SmallTable_ListedWithItsShape(self):
        info = self.store.describe_table(self.table)
        self.assertEqual((info.rows, info.dim), (4, 4))
        self.assertIn(self.table, [t.name for t in self.store.list_tables()])

    def test_import_file_ServerSideFile_StreamsProgressAndReturnsTable(self):
        import_dir = os.environ.get("EMBSTORE_IMPORT_DIR")
        if not import_dir:
            self.fail("EMBSTORE_IMPORT_DIR is not set: it must name the store's --import-dir")
        with tempfile.TemporaryDirectory() as folder:
            path = write_small_table(folder)
            shutil.copy(path, os.path.join(import_dir, os.path.basename(path)))
        updates = []
        info = self.store.import_file(fresh("imp"), os.path.basename(path), progress=updates.append)
        self.assertEqual(info.rows, 4)
        self.assertTrue(updates[-1].done)


class PullTests(StoreTestCase):
    def setUp(self):
        super().setUp()
        self.view = fresh("v")
        self.store.create_view(self.view, table=self.table, mode="overlay", unknown="create")

    def test_pull_KnownUnknownAndPad_VectorsAndMetas(self):
        vectors, metas = self.store.pull(self.view, tokens=["good", "@user", "<pad>"])
        self.assertEqual(vectors.shape, (3, 4))
        self.assertEqual(vectors.dtype, np.float32)
        np.testing.assert_array_equal(vectors[0], SMALL_TABLE["good"])
        self.assertEqual((metas[0].origin, metas[0].trainable, metas[0].immutable), (pb.ROW_ORIGIN_BASE, False, True))
        self.assertEqual((metas[1].origin, metas[1].trainable, metas[1].immutable), (pb.ROW_ORIGIN_VIEW, True, False))
        self.assertEqual(metas[2].origin, pb.ROW_ORIGIN_PAD)
        np.testing.assert_array_equal(vectors[2], np.zeros(4))

    def test_pull_ByIds_SameRowsAsByTokens(self):
        ids = self.store.resolve(self.view, ["bad", "movie"])
        vectors, metas = self.store.pull(self.view, ids=ids)
        np.testing.assert_array_equal(vectors, [SMALL_TABLE["bad"], SMALL_TABLE["movie"]])
        self.assertEqual([m.id for m in metas], list(ids))

    def test_pull_UnknownTokenUnderFail_NotFoundNamingIt(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.store.pull(self.view, tokens=["good", "zyzzyva"], unknown="fail")
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("zyzzyva", caught.exception.details())


class PushTests(StoreTestCase):
    def setUp(self):
        super().setUp()
        self.view = fresh("v")
        self.store.create_view(self.view, table=self.table, mode="overlay", unknown="create",
                               init="zeros", optimizer="sgd", learning_rate=0.5)

    def test_push_GradientToTrainableRow_SgdStepApplied(self):
        ids = self.store.resolve(self.view, ["@user"])
        gradient = np.array([[2.0, -4.0, 0.0, 1.0]], dtype=np.float32)
        reply = self.store.push(self.view, ids, gradient)
        self.assertEqual(reply.applied, 1)
        vectors, metas = self.store.pull(self.view, ids=ids)
        np.testing.assert_allclose(vectors[0], -0.5 * gradient[0])
        self.assertEqual(metas[0].version, reply.version)

    def test_push_FrozenBaseRow_FailedPreconditionAndNothingApplied(self):
        ids = self.store.resolve(self.view, ["good", "@user"])
        with self.assertRaises(grpc.RpcError) as caught:
            self.store.push(self.view, ids, np.ones((2, 4), dtype=np.float32), kind="delta")
        self.assertEqual(caught.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        vectors, _ = self.store.pull(self.view, ids=ids)
        np.testing.assert_array_equal(vectors, [SMALL_TABLE["good"], [0, 0, 0, 0]])

    def test_push_FrozenRowWithReport_OthersAppliedFrozenListed(self):
        ids = self.store.resolve(self.view, ["good", "@user"])
        reply = self.store.push(self.view, ids, np.ones((2, 4), dtype=np.float32), kind="delta", on_frozen="report")
        self.assertEqual(reply.applied, 1)
        self.assertEqual([r.id for r in reply.rejected], [ids[0]])
        vectors, _ = self.store.pull(self.view, ids=ids)
        np.testing.assert_array_equal(vectors, [SMALL_TABLE["good"], [1, 1, 1, 1]])

    def test_push_ReturnRows_RowsAsThePushLeftThemFrozenOneAsItIs(self):
        ids = self.store.resolve(self.view, ["good", "@user"])
        reply, rows = self.store.push(self.view, ids, np.ones((2, 4), dtype=np.float32), kind="delta",
                                      on_frozen="report", return_rows=True)
        self.assertEqual(reply.applied, 1)
        np.testing.assert_array_equal(rows, [SMALL_TABLE["good"], [1, 1, 1, 1]])
        vectors, _ = self.store.pull(self.view, ids=ids)
        np.testing.assert_array_equal(rows, vectors)

    def test_push_WrongVectorLength_InvalidArgument(self):
        ids = self.store.resolve(self.view, ["@user"])
        with self.assertRaises(grpc.RpcError) as caught:
            self.store.push(self.view, ids, np.ones(3, dtype=np.float32))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class CountingRows:
    """Stands in for the client's Rows stub and records the ids of every Pull that reaches the store."""

    def __init__(self, stub):
        self._stub = stub
        self.pulls = []

    def __getattr__(self, name):
        return getattr(self._stub, name)

    def Pull(self, request, **kwargs):
        self.pulls.append(list(request.ids))
        return self._stub.Pull(request, **kwargs)


class ImmutableRowCacheTests(StoreTestCase):
    def setUp(self):
        super().setUp()
        self.rows = self.store._rows = CountingRows(self.store._rows)
        self.static = fresh("s")
        self.store.create_view(self.static, table=self.table, mode="static", unknown="fail")

    def test_pull_StaticViewTwice_SecondServedFromCacheWithoutStoreCall(self):
        ids = self.store.resolve(self.static, ["good", "movie", "<pad>"])
        cache = ImmutableRowCache(self.static, capacity=10)
        first = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls, [list(ids)])
        second = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls, [list(ids)], "the second pull reached the store")
        self.assertEqual((cache.hits, cache.misses, len(cache), cache.dim), (3, 3, 3, 4))
        vectors, metas = self.store.pull(self.static, ids=ids)
        np.testing.assert_array_equal(vectors, [SMALL_TABLE["good"], SMALL_TABLE["movie"], [0, 0, 0, 0]])
        self.assertEqual(metas[2].origin, pb.ROW_ORIGIN_PAD)
        for cached_vectors, cached_metas in (first, second):
            np.testing.assert_array_equal(cached_vectors, vectors)
            self.assertEqual(cached_metas, metas)

    def test_pull_OverlayView_BaseRowsKeptOwnRowPulledAgainWithItsPush(self):
        view = fresh("v")
        self.store.create_view(view, table=self.table, mode="overlay", unknown="create", init="zeros")
        ids = self.store.resolve(view, ["good", "@user", "bad"])
        cache = ImmutableRowCache(view, capacity=10)
        self.store.pull(cache, ids=ids)
        self.store.push(view, ids[1:2], np.ones((1, 4), dtype=np.float32), kind="delta")
        vectors, metas = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls[-1], [ids[1]])
        self.assertEqual((cache.hits, cache.misses, len(cache)), (2, 4, 2))
        np.testing.assert_array_equal(vectors, [SMALL_TABLE["good"], [1, 1, 1, 1], SMALL_TABLE["bad"]])
        self.assertEqual([m.immutable for m in metas], [True, False, True])

    def test_pull_FineTuneView_NothingKeptAndPushesSeen(self):
        view = fresh("f")
        self.store.create_view(view, table=self.table, mode="fine-tune", unknown="fail")
        ids = self.store.resolve(view, ["good", "bad"])
        cache = ImmutableRowCache(view, capacity=10)
        _, metas = self.store.pull(cache, ids=ids)
        self.assertFalse(any(m.immutable for m in metas))
        self.assertEqual(len(cache), 0)
        self.store.push(view, ids[:1], np.ones((1, 4), dtype=np.float32), kind="delta")
        vectors, _ = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls, [list(ids), list(ids)])
        self.assertEqual((cache.hits, cache.misses, len(cache)), (0, 4, 0))
        np.testing.assert_array_equal(vectors, [np.add(SMALL_TABLE["good"], 1), SMALL_TABLE["bad"]])

    def test_pull_MoreRowsThanCapacity_FirstOnesKeptOthersPulledEachTime(self):
        ids = self.store.resolve(self.static, ["good", "great", "bad", "movie"])
        cache = ImmutableRowCache(self.static, capacity=2)
        self.store.pull(cache, ids=ids)
        vectors, _ = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls, [list(ids), list(ids[2:])])
        self.assertEqual((cache.hits, cache.misses, len(cache)), (2, 6, 2))
        self.assertIsNotNone(cache.get(ids[1]))
        self.assertIsNone(cache.get(ids[2]))
        np.testing.assert_array_equal(vectors, list(SMALL_TABLE.values()))

    def test_pull_MixedHitsAndMisses_RequestOrderOnlyMissesPulled(self):
        cache = ImmutableRowCache(self.static, capacity=10)
        self.store.pull(cache, ids=self.store.resolve(self.static, ["great", "movie"]))
        tokens = ["movie", "good", "great", "bad", "movie", "<pad>"]
        ids = self.store.resolve(self.static, tokens)
        vectors, metas = self.store.pull(cache, ids=ids)
        self.assertEqual(self.rows.pulls[-1], [ids[1], ids[3], ids[5]])
        self.assertEqual((cache.hits, cache.misses, len(cache)), (3, 5, 5))
        self.assertEqual([m.id for m in metas], list(ids))
        np.testing.assert_array_equal(vectors, [SMALL_TABLE.get(t, [0, 0, 0, 0]) for t in tokens])

    def test_pull_CacheWithTokens_ValueErrorAndNoStoreCall(self):
        cache = ImmutableRowCache(self.static, capacity=10)
        with self.assertRaises(ValueError):
            self.store.pull(cache, tokens=["good"])
        self.assertEqual(self.rows.pulls, [])


class TokenBytesTests(StoreTestCase):
    """Tokens are compared as their exact UTF-8 bytes, never normalised (protos/embedding_store.proto)."""

    def test_resolve_NfcAndNfdForms_TwoRowsEachKeepingItsBytes(self):
        view = fresh("v")
        self.store.create_view(view, table=self.table, mode="overlay", unknown="create")
        nfc, nfd = "caf\u00e9", "cafe\u0301"
        ids = self.store.resolve(view, [nfc, nfd], unknown="create")
        self.assertNotEqual(ids[0], ids[1])
        np.testing.assert_array_equal(self.store.resolve(view, [nfc, nfd], unknown="fail"), ids)
        # Both rows get one direction no base row has: each token's nearest neighbour is the other form.
        self.store.push(view, ids, np.array([[0.3, -0.7, 0.1, 0.5]] * 2, dtype=np.float32), kind="assign")
        self.assertEqual(self.store.neighbors(view, token=nfc, k=1)[0][:2], (nfd, ids[1]))
        self.assertEqual(self.store.neighbors(view, token=nfd, k=1)[0][:2], (nfc, ids[0]))
