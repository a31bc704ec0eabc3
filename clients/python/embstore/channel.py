"""Opens the gRPC channel: plain on 127.0.0.1 by default, TLS when asked, an API key on every call."""
import grpc

# A pull of many 300-d rows exceeds gRPC's 4 MiB default; the .NET client uses the same limit.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def open_channel(address, ca_cert=None):
    """``address`` is ``host:port``, ``http://host:port`` or ``https://host:port`` (TLS, system roots).

    ``ca_cert``: PEM bytes or the path of a PEM file that signs the server's certificate; giving
    one implies TLS.
    """
    target, tls = address, ca_cert is not None
    if target.startswith("https://"):
        target, tls = target[len("https://"):], True
    elif target.startswith("http://"):
        target = target[len("http://"):]
    target = target.rstrip("/")
    options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
               ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
    if not tls:
        return grpc.insecure_channel(target, options=options)
    roots = None
    if ca_cert is not None:
        if isinstance(ca_cert, (bytes, bytearray)):
            roots = bytes(ca_cert)
        else:
            with open(ca_cert, "rb") as pem:
                roots = pem.read()
    return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=roots), options=options)


def auth_metadata(api_key):
    """The call metadata that carries ``api_key``: ``authorization: Bearer <key>``, or none."""
    return (("authorization", f"Bearer {api_key}"),) if api_key else ()
