"""The generated protobuf and gRPC modules, with a message saying how to produce them when missing."""
try:
    from embstore._pb import embedding_store_pb2 as pb
    from embstore._pb import embedding_store_pb2_grpc as pb_grpc
except ImportError as missing:  # a checkout where generate_stubs.py has not run yet
    raise ImportError(
        "embstore's generated stubs are missing: run `python3 generate_stubs.py` in clients/python "
        "(needs grpcio-tools: apt-get install python3-grpc-tools, or pip install grpcio-tools), "
        "or install the package with pip, which generates them") from missing

__all__ = ["pb", "pb_grpc"]
