namespace Trainer.Core.Model;

/// <summary>One parameter tensor's place in the flat parameter vector.</summary>
public sealed record ParameterTensor(string Name, int Offset, int Length);

/// <summary>
/// Order of the in-process parameters in one flat vector, shared by every backend and by checkpoints:
/// for each window i, conv{i}.W [F, h_i, D] then conv{i}.b [F]; then dense.W [K, H] and dense.b [K].
/// </summary>
public sealed class ParameterLayout
{
    public ParameterLayout(KimCnnConfig config)
    {
        config.Validate();
        var tensors = new List<ParameterTensor>();
        int offset = 0;
        ParameterTensor Add(string name, int length)
        {
            var t = new ParameterTensor(name, offset, length);
            tensors.Add(t);
            offset += length;
            return t;
        }
        var convW = new ParameterTensor[config.Windows.Count];
        var convB = new ParameterTensor[config.Windows.Count];
        for (int i = 0; i < config.Windows.Count; i++)
        {
            convW[i] = Add($"conv{i}.W", config.FeatureMaps * config.Windows[i] * config.Dim);
            convB[i] = Add($"conv{i}.b", config.FeatureMaps);
        }
        DenseW = Add("dense.W", config.Classes * config.Features);
        DenseB = Add("dense.b", config.Classes);
        ConvW = convW;
        ConvB = convB;
        Tensors = tensors;
        Count = offset;
    }

    public IReadOnlyList<ParameterTensor> ConvW { get; }
    public IReadOnlyList<ParameterTensor> ConvB { get; }
    public ParameterTensor DenseW { get; }
    public ParameterTensor DenseB { get; }
    public IReadOnlyList<ParameterTensor> Tensors { get; }
    public int Count { get; }

    /// <summary>Kim's initialization as this project specifies it: conv W ~ U[-r, r], everything else zero.</summary>
    public float[] Initialize(KimCnnConfig config)
    {
        var values = new float[Count];
        var random = new Random((int)config.Seed);
        foreach (var w in ConvW)
            for (int i = 0; i < w.Length; i++)
                values[w.Offset + i] = (float)((random.NextDouble() * 2 - 1) * config.InitRange);
        return values;
    }
}
