"""Client-side options without a store: the API key's metadata, enum names, vector packing."""
import struct
import unittest
from concurrent import futures

import grpc
import numpy as np

from embstore import Client, pb, pb_grpc
from embstore.enums import enum_value
from embstore.vectors import pack, unpack


class RecordingAdmin(pb_grpc.AdminServicer):
    """Answers ListTables and remembers the metadata of the call."""

    def __init__(self):
        self.metadata = None

    def ListTables(self, request, context):
        self.metadata = dict(context.invocation_metadata())
        return pb.ListTablesResponse(tables=[pb.TableInfo(name="t", dim=3)])


class ApiKeyTests(unittest.TestCase):
    def test_api_key_EveryCall_SendsBearerAuthorization(self):
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        admin = RecordingAdmin()
        pb_grpc.add_AdminServicer_to_server(admin, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.addCleanup(server.stop, None)
        with Client(f"http://127.0.0.1:{port}", api_key="s3cret", timeout=10) as store:
            tables = store.list_tables()
        self.assertEqual([t.name for t in tables], ["t"])
        self.assertEqual(admin.metadata.get("authorization"), "Bearer s3cret")


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
