namespace Trainer.Core.Model;

/// <summary>
/// Hyper-parameters of Kim's CNN. Defaults are the paper's (windows 3,4,5 with 100 maps each, dropout 0.5,
/// Adadelta rho 0.95 / eps 1e-6, max-norm 3). Channels = 2 is the multichannel variant: a static and a
/// non-static copy of the input, each filter applied to both and the results summed.
/// </summary>
public sealed record KimCnnConfig
{
    /// <summary>Word vector width D.</summary>
    public required int Dim { get; init; }

    /// <summary>Positions L of every (padded) sentence; must be at least the widest window.</summary>
    public required int Positions { get; init; }

    public required int Classes { get; init; }
    public IReadOnlyList<int> Windows { get; init; } = [3, 4, 5];
    public int FeatureMaps { get; init; } = 100;
    public float DropoutRate { get; init; } = 0.5f;
    public int Channels { get; init; } = 1;
    public uint Seed { get; init; } = 1;
    public float Rho { get; init; } = 0.95f;
    public float Epsilon { get; init; } = 1e-6f;
    public float MaxNorm { get; init; } = 3f;

    /// <summary>Convolution weights start uniform in [-InitRange, InitRange]; biases and the dense layer start at zero.</summary>
    public float InitRange { get; init; } = 0.01f;

    /// <summary>Width H of the penultimate (pooled, concatenated) feature vector.</summary>
    public int Features => FeatureMaps * Windows.Count;

    public void Validate()
    {
        if (Dim <= 0 || Classes < 2 || FeatureMaps <= 0 || Windows.Count == 0)
            throw new ArgumentException($"Invalid CNN configuration: Dim={Dim}, Classes={Classes}, FeatureMaps={FeatureMaps}, Windows={Windows.Count}.");
        if (Windows.Any(h => h <= 0 || h > Positions))
            throw new ArgumentException($"Every window must be in 1..Positions ({Positions}); got [{string.Join(",", Windows)}]. Pad sentences to at least the widest window.");
        if (Channels is not (1 or 2)) throw new ArgumentException($"Channels must be 1 or 2, got {Channels}.");
        if (DropoutRate is < 0f or >= 1f) throw new ArgumentException($"DropoutRate must be in [0, 1), got {DropoutRate}.");
    }
}
