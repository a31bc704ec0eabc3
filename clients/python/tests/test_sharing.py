"""Subscribe, snapshots, neighbours, sentence vectors and combined pulls against the real store.

LEAD-CHECK: these RPCs are built on the server in parallel (issue 4). Against a server without
them each test skips, naming the RPC; once merged, they must run and pass (no skip in the output).
"""
import threading

import numpy as np

from tests.support import SMALL_TABLE, StoreTestCase, fresh, skip_if_unimplemented


class SharingTests(StoreTestCase):
    def setUp(self):
        super().setUp()
        self.view = fresh("v")
        self.store.create_view(self.view, table=self.table, mode="overlay", unknown="create", init="zeros")

    def test_subscribe_PushWhileSubscribed_ChangeArrivesWithItsVersion(self):
        ids = self.store.resolve(self.view, ["@user"])
        with skip_if_unimplemented(self, "Subscribe"), self.store.subscribe(self.view, tokens=["@user"]) as changes:
            initial = next(changes)
            while not initial.caught_up:
                initial = next(changes)
            # A watchdog cancels the call if the change never comes, so the test fails instead of hanging.
            watchdog = threading.Timer(20, changes.cancel)
            watchdog.start()
            try:
                reply = self.store.push(self.view, ids, np.full((1, 4), 0.25, dtype=np.float32), kind="delta")
                change = next((change for change in changes if "@user" in change.tokens), None)
            finally:
                watchdog.cancel()
        self.assertIsNotNone(change, "no change for @user arrived within 20 s of the push")
        row = change.tokens.index("@user")
        # The row carries its write's version; the batch's may be later (other views' writes count too).
        self.assertEqual(change.rows[row].version, reply.version)
        self.assertGreaterEqual(change.version, reply.version)
        self.assertEqual(change.rows[row].id, ids[0])
        np.testing.assert_array_equal(change.vectors[row], [0.25] * 4)

    def test_create_snapshot_PushAfterwards_SnapshotKeepsOldVector(self):
        ids = self.store.resolve(self.view, ["@user"])
        snapshot = fresh("s")
        with skip_if_unimplemented(self, "CreateSnapshot"):
            info = self.store.create_snapshot(self.view, snapshot)
        self.assertEqual(info.snapshot_of, self.view)
        self.store.push(self.view, ids, np.ones((1, 4), dtype=np.float32), kind="delta")
        pinned, _ = self.store.pull(snapshot, tokens=["@user"])
        live, _ = self.store.pull(self.view, tokens=["@user"])
        np.testing.assert_array_equal(pinned[0], np.zeros(4))
        np.testing.assert_array_equal(live[0], np.ones(4))

    def test_neighbors_OfGood_GreatComesFirst(self):
        with skip_if_unimplemented(self, "Neighbors"):
            neighbors = self.store.neighbors(self.view, token="good", k=2)
        self.assertEqual(neighbors[0][0], "great")
        expected = 0.875 / np.linalg.norm(SMALL_TABLE["great"])
        self.assertAlmostEqual(neighbors[0][2], expected, places=5)

    def test_sentence_vectors_Mean_AverageOfKnownWords(self):
        with skip_if_unimplemented(self, "SentenceVectors"):
            vectors, used = self.store.sentence_vectors(self.view, ["good bad", ["movie"]])
        self.assertEqual(used, [2, 1])
        np.testing.assert_allclose(vectors, [[0.5, 0.5, 0, 0], SMALL_TABLE["movie"]])

    def test_pull_combined_TableAndView_VectorsConcatenated(self):
        ids = self.store.resolve(self.view, ["@user"])
        self.store.push(self.view, ids, np.full((1, 4), 2.0, dtype=np.float32), kind="assign")
        with skip_if_unimplemented(self, "PullCombined"):
            vectors, dims, metas = self.store.pull_combined([self.table, self.view], ["good"])
        self.assertEqual(dims, [4, 4])
        self.assertEqual(len(metas), 2)
        np.testing.assert_array_equal(vectors[0], SMALL_TABLE["good"] + SMALL_TABLE["good"])
