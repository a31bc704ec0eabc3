"""Import, pull, push and frozen rows against the real store."""
import os
import shutil
import tempfile

import grpc
import numpy as np

from embstore import pb
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
