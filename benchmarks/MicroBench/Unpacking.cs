using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using EmbeddingStore.Client;
using Google.Protobuf;

namespace MicroBench;

/// <summary>
/// A pull response's vectors (1,000 rows of packed little-endian float32) into the caller's buffer: the client's
/// reinterpreting copy against decoding float by float, as a client of a `repeated float` field would.
/// </summary>
[MemoryDiagnoser]
public class Unpacking
{
    private const int Rows = 1_000;
    private ByteString _packed = ByteString.Empty;
    private float[] _destination = [];

    [Params(100, 300)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        var values = new float[Rows * Dim];
        for (var i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        _packed = VectorPacking.Pack(values);
        _destination = new float[values.Length];
    }

    [Benchmark(Baseline = true, Description = "float by float")]
    public float FloatByFloat()
    {
        var bytes = _packed.Span;
        for (var i = 0; i < _destination.Length; i++) _destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        return _destination[^1];
    }

    [Benchmark(Description = "VectorPacking.Unpack")]
    public float Unpack()
    {
        VectorPacking.Unpack(_packed, Rows, Dim, _destination);
        return _destination[^1];
    }
}
