using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EndToEnd.Tests.Reflection;

/// <summary>
/// Encodes and decodes protobuf messages from their descriptors alone, as grpcurl does with what server reflection
/// returns: no generated types. Fields are named as in the .proto; repeated fields are lists, messages dictionaries,
/// enums their value names. Covers the scalar types the store's API uses.
/// </summary>
public static class DynamicMessage
{
    public static byte[] Encode(MessageDescriptor type, IReadOnlyDictionary<string, object> fields)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (name, value) in fields)
        {
            var field = type.FindFieldByName(name) ?? throw new ArgumentException($"{type.FullName} has no field '{name}'");
            // Repeated values go unpacked, one tag each: every parser accepts both forms.
            foreach (var item in field.IsRepeated ? ((IEnumerable)value).Cast<object>() : [value]) Write(output, field, item);
        }
        output.Flush();
        return buffer.ToArray();
    }

    public static Dictionary<string, object> Decode(MessageDescriptor type, byte[] data)
    {
        var fields = new Dictionary<string, object>();
        var input = new CodedInputStream(data);
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            var field = type.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field is null)
            {
                input.SkipLastField();
                continue;
            }
            var packed = field.IsRepeated && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited
                && field.FieldType is not (FieldType.String or FieldType.Bytes or FieldType.Message);
            if (packed)
            {
                var values = new CodedInputStream(input.ReadBytes().ToByteArray());
                while (!values.IsAtEnd) Store(fields, field, Read(values, field));
            }
            else Store(fields, field, Read(input, field));
        }
        return fields;
    }

    private static void Store(Dictionary<string, object> fields, FieldDescriptor field, object value)
    {
        if (!field.IsRepeated) fields[field.Name] = value;
        else if (fields.TryGetValue(field.Name, out var list)) ((List<object>)list).Add(value);
        else fields[field.Name] = new List<object> { value };
    }

    private static void Write(CodedOutputStream output, FieldDescriptor field, object value)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteString((string)value);
                break;
            case FieldType.Bytes:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom((byte[])value));
                break;
            case FieldType.Message:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(Encode(field.MessageType, (IReadOnlyDictionary<string, object>)value)));
                break;
            case FieldType.Int64:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteInt64(Convert.ToInt64(value));
                break;
            case FieldType.Int32:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteInt32(Convert.ToInt32(value));
                break;
            case FieldType.Bool:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteBool((bool)value);
                break;
            case FieldType.Enum:
                var enumValue = field.EnumType.FindValueByName((string)value)
                    ?? throw new ArgumentException($"{field.EnumType.FullName} has no value '{value}'");
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteEnum(enumValue.Number);
                break;
            case FieldType.Float:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Fixed32);
                output.WriteFloat(Convert.ToSingle(value));
                break;
            default:
                throw new NotSupportedException($"{field.FullName}: {field.FieldType}");
        }
    }

    private static object Read(CodedInputStream input, FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => input.ReadString(),
        FieldType.Bytes => input.ReadBytes().ToByteArray(),
        FieldType.Message => Decode(field.MessageType, input.ReadBytes().ToByteArray()),
        FieldType.Int64 => input.ReadInt64(),
        FieldType.UInt64 => input.ReadUInt64(),
        FieldType.Int32 => input.ReadInt32(),
        FieldType.Bool => input.ReadBool(),
        FieldType.Enum => input.ReadEnum() is var number && field.EnumType.FindValueByNumber(number) is { } known ? known.Name : number,
        FieldType.Float => input.ReadFloat(),
        _ => throw new NotSupportedException($"{field.FullName}: {field.FieldType}"),
    };
}
