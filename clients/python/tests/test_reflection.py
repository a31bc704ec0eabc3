"""Server reflection as generic tools use it (grpcurl, Postman): list the services, fetch their
descriptors and call Rows/Pull with a message class built from those descriptors alone.

Debian does not package grpcio-reflection, so the few reflection messages needed are declared here
from their published definition (grpc/reflection/v1/reflection.proto); the store's own messages come
only from what the server sends.
"""
import grpc
import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from tests.support import SMALL_TABLE, StoreTestCase, address, fresh

REFLECTION_SUBSET = """
name: "grpc/reflection/v1/reflection.proto" package: "grpc.reflection.v1" syntax: "proto3"
message_type { name: "ServerReflectionRequest"
  field { name: "file_containing_symbol" number: 4 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
  field { name: "list_services" number: 7 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
  oneof_decl { name: "message_request" } }
message_type { name: "ServerReflectionResponse"
  field { name: "file_descriptor_response" number: 4 label: LABEL_OPTIONAL type: TYPE_MESSAGE
          type_name: ".grpc.reflection.v1.FileDescriptorResponse" }
  field { name: "list_services_response" number: 6 label: LABEL_OPTIONAL type: TYPE_MESSAGE
          type_name: ".grpc.reflection.v1.ListServiceResponse" }
  field { name: "error_response" number: 7 label: LABEL_OPTIONAL type: TYPE_MESSAGE
          type_name: ".grpc.reflection.v1.ErrorResponse" } }
message_type { name: "FileDescriptorResponse"
  field { name: "file_descriptor_proto" number: 1 label: LABEL_REPEATED type: TYPE_BYTES } }
message_type { name: "ListServiceResponse"
  field { name: "service" number: 1 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".grpc.reflection.v1.ServiceResponse" } }
message_type { name: "ServiceResponse" field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING } }
message_type { name: "ErrorResponse"
  field { name: "error_code" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
  field { name: "error_message" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING } }
"""


def message_class(descriptor):
    """The message class of ``descriptor`` (protobuf 4.21 has only MessageFactory, later ones GetMessageClass)."""
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(descriptor.file.pool).GetPrototype(descriptor)


def file_pool(*file_protos):
    pool = descriptor_pool.DescriptorPool()
    for proto in file_protos:
        pool.Add(proto)
    return pool


class ReflectionTests(StoreTestCase):
    def setUp(self):
        super().setUp()
        reflection = file_pool(text_format.Parse(REFLECTION_SUBSET, descriptor_pb2.FileDescriptorProto()))
        self.request_class = message_class(reflection.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionRequest"))
        self.response_class = message_class(reflection.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionResponse"))
        self.channel = grpc.insecure_channel(address())
        self.addCleanup(self.channel.close)

    def ask(self, **request):
        call = self.channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                          request_serializer=self.request_class.SerializeToString,
                                          response_deserializer=self.response_class.FromString)
        (reply,) = list(call(iter([self.request_class(**request)]), timeout=30))
        self.assertFalse(reply.HasField("error_response"), reply.error_response.error_message)
        return reply

    def test_list_services_RealStore_ApiAndHealthListed(self):
        names = [s.name for s in self.ask(list_services="").list_services_response.service]
        self.assertIn("embstore.v1.Admin", names)
        self.assertIn("embstore.v1.Rows", names)
        self.assertIn("grpc.health.v1.Health", names)

    def test_pull_MessageBuiltFromServedDescriptors_DecodesTheRows(self):
        view = fresh("v")
        self.store.create_view(view, table=self.table, mode="overlay", unknown="create")
        served = self.ask(file_containing_symbol="embstore.v1.Rows").file_descriptor_response.file_descriptor_proto
        pool = file_pool(*(descriptor_pb2.FileDescriptorProto.FromString(data) for data in served))
        pull = pool.FindServiceByName("embstore.v1.Rows").methods_by_name["Pull"]
        request_class, reply_class = message_class(pull.input_type), message_class(pull.output_type)
        call = self.channel.unary_unary("/embstore.v1.Rows/Pull", request_serializer=request_class.SerializeToString,
                                        response_deserializer=reply_class.FromString)
        reply = call(request_class(view=view, tokens=["movie", "@user"]), timeout=30)
        self.assertEqual(reply.dim, 4)
        np.testing.assert_array_equal(np.frombuffer(reply.vectors, "<f4")[:4], SMALL_TABLE["movie"])
        origin = pull.output_type.fields_by_name["rows"].message_type.fields_by_name["origin"].enum_type
        self.assertEqual([origin.values_by_number[r.origin].name for r in reply.rows], ["ROW_ORIGIN_BASE", "ROW_ORIGIN_VIEW"])
        self.assertTrue(reply.rows[1].trainable)
