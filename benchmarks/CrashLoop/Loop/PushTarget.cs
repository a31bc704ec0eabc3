using EmbeddingStore.Protos;

namespace CrashLoop;

/// <summary>
/// Rows that one kind of push (+1.0 to every element, durable or not) goes to through one view, with what each row
/// read when the cycle started and what was sent and acknowledged for it since.
/// </summary>
public sealed class PushTarget(string name, string view, Durability durability, string[] tokens, long[] ids)
{
    private readonly int[] _sent = new int[ids.Length];
    private readonly List<long>[] _acknowledged = [.. ids.Select(_ => new List<long>())];

    public string Name { get; } = name;
    public string View { get; } = view;
    public Durability Durability { get; } = durability;
    public bool Durable => Durability == Durability.Sync;
    public string[] Tokens { get; } = tokens;
    public long[] Ids { get; } = ids;

    /// <summary>The rows as the cycle started (row after row), and their versions: a row's version never goes below it.</summary>
    public float[]? Start { get; private set; }
    public long[] VersionFloor { get; private set; } = new long[ids.Length];

    public void StartCycle(float[] values, RowMeta[] meta)
    {
        Start = values;
        VersionFloor = [.. meta.Select(m => m.Version)];
        Array.Clear(_sent);
        foreach (var acks in _acknowledged) lock (acks) acks.Clear();
    }

    public void Sending(IEnumerable<int> rows)
    {
        foreach (var row in rows) Interlocked.Increment(ref _sent[row]);
    }

    public void Acknowledged(IEnumerable<int> rows, long timestamp)
    {
        foreach (var row in rows) lock (_acknowledged[row]) _acknowledged[row].Add(timestamp);
    }

    public int Sent(int row) => Volatile.Read(ref _sent[row]);

    /// <summary>Acknowledgement times of a row's pushes this cycle, oldest first.</summary>
    public long[] Acknowledgements(int row)
    {
        lock (_acknowledged[row]) return [.. _acknowledged[row].Order()];
    }

    /// <summary>
    /// The pushes a row must hold after the kill: every acknowledged one when durable, else those acknowledged by
    /// <paramref name="mustHaveBy"/>; at most every push sent (one in flight may have been applied without an answer).
    /// </summary>
    public (int Least, int Most) Expected(int row, long mustHaveBy)
    {
        var acks = Acknowledgements(row);
        return (Durable ? acks.Length : acks.Count(t => t <= mustHaveBy), Sent(row));
    }
}
