namespace Trainer.Training;

/// <summary>Hyper-parameters of one training run; the defaults are Kim's (2014).</summary>
public sealed record TrainingOptions
{
    public Variant Variant { get; init; } = Variant.NonStatic;
    public int Epochs { get; init; } = 25;
    public int BatchSize { get; init; } = 50;
    public int FeatureMaps { get; init; } = 100;
    public IReadOnlyList<int> Windows { get; init; } = [3, 4, 5];
    public float Dropout { get; init; } = 0.5f;
    public float MaxNorm { get; init; } = 3f;
    public int Seed { get; init; } = 1;
    public double DevFraction { get; init; } = 0.1;

    /// <summary>
    /// Push the rows the next batch does not read behind its computation, and get the shared ones back from the
    /// push itself (<see cref="BatchFeeder"/>); false awaits each whole push and pulls the shared rows again.
    /// Both give the same result, bit for bit.
    /// </summary>
    public bool OverlapPushes { get; init; } = true;

    /// <summary>
    /// Keep the rows the store marks immutable (frozen pretrained rows: CNN-static, the static channel of
    /// CNN-multichannel, the pretrained rows of overlay views) in the trainer and pull each once
    /// (<see cref="EmbeddingStore.Client.ImmutableRowCache"/>); false pulls every row of every batch. Both give the
    /// same result, bit for bit.
    /// </summary>
    public bool CacheImmutableRows { get; init; } = true;

    public int FilterMax => Windows.Max();
}

/// <summary>What one epoch did. Accuracies are fractions in [0, 1].</summary>
public sealed record EpochStats(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double DevAccuracy,
    double TestAccuracy,
    double Seconds,
    double StoreWaitSeconds,
    double ExamplesPerSecond);

/// <summary>One fold (or the single split of a dataset with a test set). Test accuracy is taken at the best dev epoch, as Kim did.</summary>
public sealed record FoldResult(int Fold, IReadOnlyList<EpochStats> Epochs, int BestEpoch)
{
    public double DevAccuracy => Epochs[BestEpoch - 1].DevAccuracy;
    public double TestAccuracy => Epochs[BestEpoch - 1].TestAccuracy;
}
