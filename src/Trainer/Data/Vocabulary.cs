namespace Trainer.Data;

/// <summary>
/// The distinct tokens of a set of sentences, each with a dense index and its count. Indices follow first
/// appearance so that one dataset always gives the same vocabulary; counts serve Kim's min_df rule (an
/// unknown word gets its own random vector only if it occurs at least min_df times).
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];
    private readonly List<int> _counts = [];

    private Vocabulary() { }

    public static Vocabulary Of(IEnumerable<Example> examples)
    {
        var vocabulary = new Vocabulary();
        foreach (var example in examples)
        {
            vocabulary.MaxLength = Math.Max(vocabulary.MaxLength, example.Tokens.Length);
            foreach (var token in example.Tokens) vocabulary.Add(token);
        }
        return vocabulary;
    }

    /// <summary>Tokens by index.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Occurrences by index.</summary>
    public IReadOnlyList<int> Counts => _counts;

    public int Count => _tokens.Count;

    /// <summary>Tokens in the longest sentence seen.</summary>
    public int MaxLength { get; private set; }

    public bool TryGetIndex(string token, out int index) => _index.TryGetValue(token, out index);

    private void Add(string token)
    {
        if (_index.TryGetValue(token, out var index))
        {
            _counts[index]++;
            return;
        }
        _index[token] = _tokens.Count;
        _tokens.Add(token);
        _counts.Add(1);
    }
}
