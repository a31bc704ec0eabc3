using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace StoreFuzz;

/// <summary>
/// Builds requests for any RPC from its proto descriptor, so every field of every method is exercised and a new field
/// is fuzzed without a line here. Four shapes, chosen per call: plausible (names, tokens and ids the store knows, vectors
/// sized to the rows), extreme (the same fields with boundary values: NaN, infinities, 3e38, -1, long.MaxValue, empty
/// and oversize lists, 10,000-character strings), mutated (a plausible request's bytes with bits flipped, bytes
/// inserted, the message cut short) and random bytes. Not thread-safe: one per worker.
/// </summary>
public sealed class RequestGenerator(Random random, FuzzVocabulary vocabulary)
{
    private int _lastCount = 1;

    public (byte[] Bytes, string Shape) Next(MessageDescriptor request)
    {
        var roll = random.NextDouble();
        if (roll < 0.04) return (RandomBytes(random.Next(0, 300)), "random");
        var extreme = roll < 0.34;
        _lastCount = 1;
        var bytes = Build(request, extreme, 0).ToByteArray();
        if (roll >= 0.88) return (Mutate(bytes), "mutated");
        return (bytes, extreme ? "extreme" : "plausible");
    }

    private IMessage Build(MessageDescriptor descriptor, bool extreme, int depth)
    {
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        // Of each oneof, one member (or none) is set; proto3 `optional` fields are oneofs of their own.
        var chosen = descriptor.Oneofs.ToDictionary(o => o, o => o.Fields[random.Next(o.Fields.Count)]);
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (field.RealContainingOneof is { } oneof && chosen[oneof] != field) continue;
            if (random.NextDouble() < (extreme ? 0.25 : 0.08)) continue; // left at its default
            if (field.IsMap) continue; // the store's protos have none
            // A plausible request often fills one of two alternative lists only (Pull: tokens or ids).
            if (field.IsRepeated && !extreme && field.FieldType != FieldType.Message && random.NextDouble() < 0.3) continue;
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                var count = Count(field, extreme);
                for (var i = 0; i < count; i++) list.Add(Value(field, extreme, depth));
                _lastCount = count;
            }
            else if (field.FieldType != FieldType.Message || depth < 3) field.Accessor.SetValue(message, Value(field, extreme, depth));
        }
        return message;
    }

    private int Count(FieldDescriptor field, bool extreme)
    {
        if (field.FieldType == FieldType.Message) return random.Next(0, extreme ? 40 : 4);
        var r = random.NextDouble();
        if (extreme && r < 0.01) return 100_001 + random.Next(1000); // just over the default request limits
        if (extreme && r < 0.10) return random.Next(1000, 5000);
        if (r < 0.10) return 0;
        return random.Next(1, 12);
    }

    private object Value(FieldDescriptor field, bool extreme, int depth) => field.FieldType switch
    {
        FieldType.String => StringFor(field.Name, extreme),
        FieldType.Bytes => ByteString.CopyFrom(BytesFor(field.Name, extreme)),
        FieldType.Bool => random.Next(2) == 1,
        FieldType.Float => Float(extreme),
        FieldType.Double => (double)Float(extreme),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Long(field.Name, extreme),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)Long(field.Name, extreme),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Int(field.Name, extreme),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)Int(field.Name, extreme),
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType,
            extreme && random.NextDouble() < 0.3 ? random.Next(-3, 40) : field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number),
        FieldType.Message => Build(field.MessageType, extreme, depth + 1),
        _ => throw new NotSupportedException($"field type {field.FieldType}"),
    };

    private static bool IsNameField(string name) =>
        name is "name" or "view" or "table" or "parent_table" or "parent_view" or "source" or "sources" or "snapshot_of" or "views"
        || name.EndsWith("_view", StringComparison.Ordinal) || name.EndsWith("_table", StringComparison.Ordinal);

    private static bool IsTokenField(string name) => name.Contains("token", StringComparison.Ordinal) || name == "words";

    private string StringFor(string field, bool extreme)
    {
        if (extreme && random.NextDouble() < 0.4) return OddString();
        if (IsNameField(field)) return vocabulary.Name(random);
        if (IsTokenField(field)) return vocabulary.Token(random);
        if (field == "path") return vocabulary.Path(random);
        return random.NextDouble() < 0.5 ? vocabulary.Token(random) : OddString();
    }

    private string OddString() => random.Next(10) switch
    {
        0 => "",
        1 => new string('x', 10_000),
        2 => "../../etc/passwd",
        3 => "caf\u00e9 cafe\u0301 \u200b\u202e",
        4 => "\ud83d\ude00\u0000\u0001",
        5 => "\ud800", // a lone surrogate: the client encodes it as U+FFFD
        6 => new string(Enumerable.Range(0, random.Next(1, 80)).Select(_ => (char)random.Next(32, 0x3000)).ToArray()),
        7 => "a/b\\c:d*e",
        8 => " ",
        _ => new string('n', 65),
    };

    private byte[] BytesFor(string field, bool extreme)
    {
        if (field is "vectors" or "values" or "vector") return Floats(extreme);
        if (field == "data") return vocabulary.FileBytes(random, extreme);
        if (field == "request_id") return RandomBytes(random.NextDouble() < 0.1 ? random.Next(60, 90) : random.Next(0, 17));
        return RandomBytes(random.Next(0, extreme ? 2000 : 32));
    }

    /// <summary>Packed float32: rows x dim for the rows the request names (its last list), sometimes a wrong size.</summary>
    private byte[] Floats(bool extreme)
    {
        var dim = vocabulary.Dim(random);
        var rows = random.NextDouble() < 0.8 ? _lastCount : random.Next(0, 5);
        var count = rows * dim + (random.NextDouble() < (extreme ? 0.2 : 0.03) ? random.Next(-3, 4) : 0);
        if (count <= 0) return extreme ? RandomBytes(random.Next(0, 7)) : [];
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = Float(extreme);
        var bytes = new byte[4 * count];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static readonly float[] ExtremeFloats =
        [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 3e38f, -3e38f, 1e20f, -1e20f,
         float.Epsilon, -0f, 0f, 1f, -1f, 1e-30f, 65504f, 2f];

    private float Float(bool extreme) =>
        extreme && random.NextDouble() < 0.5 ? ExtremeFloats[random.Next(ExtremeFloats.Length)] : (float)(random.NextDouble() * 2 - 1) * 0.5f;

    private long Long(string field, bool extreme)
    {
        if (extreme && random.NextDouble() < 0.5)
            return random.Next(8) switch { 0 => 0, 1 => -1, 2 => long.MaxValue, 3 => long.MinValue, 4 => 1L << 40, 5 => int.MaxValue, _ => random.NextInt64() };
        if (field is "id" or "ids" or "restrict" || field.EndsWith("_id", StringComparison.Ordinal)) return vocabulary.Id(random);
        return random.Next(0, 2000);
    }

    private int Int(string field, bool extreme)
    {
        if (extreme && random.NextDouble() < 0.5)
            return random.Next(6) switch { 0 => 0, 1 => -1, 2 => int.MaxValue, 3 => int.MinValue, 4 => 4097, _ => random.Next() };
        return field switch
        {
            "dim" => vocabulary.Dim(random),
            "k" => random.Next(0, 50),
            _ => random.Next(0, 100),
        };
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private byte[] Mutate(byte[] bytes)
    {
        var list = bytes.ToList();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            switch (random.Next(5))
            {
                case 0 when list.Count > 0:
                    var at = random.Next(list.Count);
                    list[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when list.Count > 0:
                    list[random.Next(list.Count)] = (byte)random.Next(256);
                    break;
                case 2 when list.Count > 0:
                    var cut = random.Next(list.Count);
                    list.RemoveRange(cut, list.Count - cut);
                    break;
                case 3:
                    list.InsertRange(random.Next(list.Count + 1), RandomBytes(random.Next(1, 9)));
                    break;
                default:
                    if (list.Count > 1)
                    {
                        var start = random.Next(list.Count);
                        var length = random.Next(1, list.Count - start + 1);
                        list.InsertRange(random.Next(list.Count + 1), list.GetRange(start, length));
                    }
                    break;
            }
        }
        return [.. list];
    }

    internal static string Describe(byte[] bytes) => bytes.Length <= 512 ? Convert.ToBase64String(bytes) : Convert.ToBase64String(bytes, 0, 512) + $"... ({bytes.Length} bytes)";
}
