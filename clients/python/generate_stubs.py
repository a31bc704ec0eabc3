"""Generates the gRPC stubs of the embedding store's API from the repository's protos/.

The stubs are not committed: they are generated at install time (setup.py calls ``generate``) or,
in a checkout, by running ``python3 generate_stubs.py`` once. The proto is mapped under
``embstore/_pb`` so that the generated modules import each other as ``embstore._pb.*``.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "protos"))
PACKAGE_DIR = "embstore/_pb"


def generate(out_root=HERE, proto_dir=PROTO_DIR):
    """Runs grpc_tools.protoc on every .proto of ``proto_dir``; writes ``out_root/embstore/_pb``."""
    try:
        from grpc_tools import protoc
    except ImportError:
        sys.exit("grpc_tools is missing: apt-get install python3-grpc-tools (Debian) or pip install grpcio-tools")
    protos = sorted(f for f in os.listdir(proto_dir) if f.endswith(".proto"))
    if not protos:
        sys.exit(f"no .proto file in {proto_dir}")
    out_dir = os.path.join(out_root, PACKAGE_DIR)
    os.makedirs(out_dir, exist_ok=True)
    args = ["grpc_tools.protoc", f"-I{PACKAGE_DIR}={proto_dir}",
            f"--python_out={out_root}", f"--grpc_python_out={out_root}"]
    args += [f"{PACKAGE_DIR}/{p}" for p in protos]
    if protoc.main(args) != 0:
        sys.exit("protoc failed on " + ", ".join(protos))
    with open(os.path.join(out_dir, "__init__.py"), "w") as init:
        init.write('"""Generated from protos/ by generate_stubs.py; do not edit."""\n')


if __name__ == "__main__":
    generate()
    print(f"generated {PACKAGE_DIR} from {PROTO_DIR}")
