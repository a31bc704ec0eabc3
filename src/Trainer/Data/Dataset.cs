namespace Trainer.Data;

/// <summary>One sentence, tokenized, with its class.</summary>
public sealed record Example(string[] Tokens, int Label);

/// <summary>A labelled set of sentences. Test and Dev are null when the source has no such split.</summary>
public sealed record Dataset(string Name, int Classes, IReadOnlyList<Example> Train, IReadOnlyList<Example>? Dev, IReadOnlyList<Example>? Test)
{
    public IEnumerable<Example> All => Train.Concat(Dev ?? []).Concat(Test ?? []);

    /// <summary>Tokens of the longest sentence: fixes the padded length.</summary>
    public int MaxLength => All.Max(e => e.Tokens.Length);
}

/// <summary>A data file that is missing or malformed; the message names the file, the line and the problem.</summary>
public sealed class DataFileException(string message) : Exception(message);
