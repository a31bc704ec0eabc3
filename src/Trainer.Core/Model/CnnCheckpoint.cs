using System.Text;

namespace Trainer.Core.Model;

/// <summary>
/// Binary checkpoint of a CNN: magic "KCNN", format version, the configuration, the step counter and the
/// parameters in <see cref="ParameterLayout"/> order, all little-endian. Adadelta state is not saved, so
/// training resumed from a checkpoint restarts the optimizer's running averages.
/// </summary>
public static class CnnCheckpoint
{
    private static readonly byte[] Magic = "KCNN"u8.ToArray();
    public const int Version = 1;

    public static void Save(Stream stream, ICnnBackend model) => Save(stream, model.Config, model.Step, model.GetParameters());

    public static void Save(Stream stream, KimCnnConfig config, long step, ReadOnlySpan<float> parameters)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Version);
        w.Write(config.Dim);
        w.Write(config.Positions);
        w.Write(config.Classes);
        w.Write(config.Windows.Count);
        foreach (int h in config.Windows) w.Write(h);
        w.Write(config.FeatureMaps);
        w.Write(config.DropoutRate);
        w.Write(config.Channels);
        w.Write(config.Seed);
        w.Write(config.Rho);
        w.Write(config.Epsilon);
        w.Write(config.MaxNorm);
        w.Write(config.InitRange);
        w.Write(step);
        w.Write(parameters.Length);
        foreach (float v in parameters) w.Write(v);
    }

    public static (KimCnnConfig Config, long Step, float[] Parameters) Load(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException("Not a CNN checkpoint: the file does not start with 'KCNN'.");
        int version = r.ReadInt32();
        if (version != Version) throw new InvalidDataException($"CNN checkpoint version {version} is not supported (expected {Version}).");
        var config = new KimCnnConfig
        {
            Dim = r.ReadInt32(),
            Positions = r.ReadInt32(),
            Classes = r.ReadInt32(),
            Windows = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadInt32()).ToArray(),
            FeatureMaps = r.ReadInt32(),
            DropoutRate = r.ReadSingle(),
            Channels = r.ReadInt32(),
            Seed = r.ReadUInt32(),
            Rho = r.ReadSingle(),
            Epsilon = r.ReadSingle(),
            MaxNorm = r.ReadSingle(),
            InitRange = r.ReadSingle(),
        };
        long step = r.ReadInt64();
        int count = r.ReadInt32();
        int expected = new ParameterLayout(config).Count;
        if (count != expected) throw new InvalidDataException($"The checkpoint holds {count} parameters but its configuration needs {expected}.");
        var parameters = new float[count];
        for (int i = 0; i < count; i++) parameters[i] = r.ReadSingle();
        return (config, step, parameters);
    }
}
