namespace Trainer.Core.Model;

/// <summary>Checks a batch's arrays against the configuration once, so backends can trust the sizes.</summary>
internal static class BatchShape
{
    /// <returns>The batch size B.</returns>
    public static int Check(KimCnnConfig config, ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex,
        ReadOnlySpan<float> staticRows)
    {
        if (rowCount < 0 || distinctRows.Length < rowCount * config.Dim)
            throw new ArgumentException($"distinctRows holds {distinctRows.Length} floats; {rowCount} rows of {config.Dim} need {rowCount * config.Dim}.");
        if (localIndex.Length == 0 || localIndex.Length % config.Positions != 0)
            throw new ArgumentException($"localIndex length {localIndex.Length} is not a positive multiple of Positions = {config.Positions}.");
        if (config.Channels == 2 ? staticRows.Length < rowCount * config.Dim : staticRows.Length != 0)
            throw new ArgumentException(config.Channels == 2
                ? $"The multichannel model needs staticRows with {rowCount * config.Dim} floats; got {staticRows.Length}."
                : "staticRows must be empty for a single-channel model.");
        foreach (int r in localIndex)
            if (r < -1 || r >= rowCount)
                throw new ArgumentOutOfRangeException(nameof(localIndex), $"Local index {r} is outside -1..{rowCount - 1}.");
        return localIndex.Length / config.Positions;
    }

    public static void CheckTraining(KimCnnConfig config, int batch, ReadOnlySpan<int> labels, int rowCount, Span<float> rowGradOut)
    {
        if (labels.Length != batch) throw new ArgumentException($"{labels.Length} labels for a batch of {batch} sentences.");
        foreach (int label in labels)
            if (label < 0 || label >= config.Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label {label} is outside 0..{config.Classes - 1}.");
        if (rowGradOut.Length < rowCount * config.Dim)
            throw new ArgumentException($"rowGradOut holds {rowGradOut.Length} floats; {rowCount * config.Dim} needed.");
    }
}
