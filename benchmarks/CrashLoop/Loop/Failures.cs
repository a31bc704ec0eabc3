namespace CrashLoop;

/// <summary>One failed check: what was expected of which token or row after which cycle's kill, and what the store answered.</summary>
public sealed record Failure(int Cycle, string Kind, string Subject, string Expected, string Seen)
{
    public override string ToString() => $"cycle {Cycle}: {Kind}: {Subject}: expected {Expected}, seen {Seen}";
}

/// <summary>Every failure of the run, added from the clients' threads and the checks.</summary>
public sealed class FailureList
{
    private readonly List<Failure> _failures = [];

    public void Add(int cycle, string kind, string subject, string expected, string seen)
    {
        lock (_failures) _failures.Add(new Failure(cycle, kind, subject, expected, seen));
    }

    public int Count { get { lock (_failures) return _failures.Count; } }

    public IReadOnlyList<Failure> All { get { lock (_failures) return [.. _failures]; } }

    public IReadOnlyList<Failure> Since(int index) { lock (_failures) return _failures[index..]; }
}
