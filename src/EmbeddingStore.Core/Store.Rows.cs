using System.Buffers;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>Resolving tokens, reading rows and applying updates through views.</summary>
public sealed partial class Store
{
    public const int MaxTokenBytes = 1000;

    public ResolveResult Resolve(string view, IReadOnlyList<string> tokens, UnknownPolicy policy, bool mayCreate = true)
    {
        var chain = Chain(view);
        if (policy == UnknownPolicy.Default) policy = chain.View.UnknownPolicy;
        // The whole request is checked before the first row is created: a refused call creates nothing.
        foreach (var token in tokens)
        {
            ValidateToken(token);
            if (policy == UnknownPolicy.Create && CreatableTokenProblem(token) is { } problem && token != chain.View.PadToken && _viewRecords.FindToken(chain, token) < 0)
                throw new StoreException(StoreError.InvalidArgument, problem);
        }
        var ids = new long[tokens.Count];
        var created = new List<int>();
        var mapped = new List<int>();
        List<string>? unknown = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token == chain.View.PadToken) { ids[i] = PadRowId; continue; }
            var id = _viewRecords.FindToken(chain, token);
            if (id >= 0) { ids[i] = id; continue; }
            switch (policy)
            {
                // Nothing was created before: a caller that may not create rows never gets that far.
                case UnknownPolicy.Create when !mayCreate:
                    throw MayNotCreate(view, token);
                case UnknownPolicy.Unk when !mayCreate:
                    ids[i] = _viewRecords.FindToken(chain, chain.View.UnkToken) is >= 0 and var unk ? unk : throw MayNotCreate(view, chain.View.UnkToken);
                    mapped.Add(i);
                    break;
                case UnknownPolicy.Unk:
                    ids[i] = EnsureToken(chain, chain.View.UnkToken, out _);
                    mapped.Add(i);
                    break;
                case UnknownPolicy.Create when !SeenOftenEnough(chain, token):
                    ids[i] = EnsureToken(chain, chain.View.UnkToken, out _);
                    mapped.Add(i);
                    break;
                case UnknownPolicy.Create:
                    ids[i] = EnsureToken(chain, token, out var isNew);
                    if (isNew) created.Add(i);
                    break;
                default:
                    (unknown ??= []).Add(token);
                    break;
            }
        }
        if (unknown is not null)
            throw new StoreException(StoreError.NotFound,
                $"{unknown.Count} unknown token(s) in view '{view}': {string.Join(", ", unknown.Take(20).Select(t => $"'{t}'"))}{(unknown.Count > 20 ? ", ..." : "")}");
        return new ResolveResult(ids, [.. created], [.. mapped]);
    }

    private static StoreException MayNotCreate(string view, string token) => new(StoreError.PermissionDenied,
        $"view '{view}' has no row for '{token}', and this caller may not create rows (that needs the write scope)");

    internal static void ValidateToken(string token)
    {
        if (string.IsNullOrEmpty(token))
            throw new StoreException(StoreError.InvalidArgument, "empty token");
        if (System.Text.Encoding.UTF8.GetByteCount(token) > MaxTokenBytes)
            throw new StoreException(StoreError.InvalidArgument, $"token '{token[..20]}...' is longer than {MaxTokenBytes} bytes");
    }

    /// <summary>
    /// Why a view may not create a row for this token, or null: a new token holds no whitespace and no control
    /// character (no tokenizer yields one, and a word2vec file could not hold it). Imported tables keep the tokens their
    /// file has; this only bounds what the API adds.
    /// </summary>
    internal static string? CreatableTokenProblem(string token)
    {
        foreach (var c in token)
            if (char.IsWhiteSpace(c) || char.IsControl(c))
                return $"token '{token}' cannot be created: it holds U+{(int)c:X4} ({(char.IsWhiteSpace(c) ? "whitespace" : "a control character")}); new tokens hold neither";
        return null;
    }

    /// <summary>
    /// The token's row, creating it in the view when no space of the chain has it. The token record and its row are
    /// written as one (<see cref="IRecordStore.CreateTogether"/>): one log entry, logged under both keys' locks, so a
    /// push to the new row (which takes the row's lock) logs its entry after the creation's. Of two concurrent creations
    /// of one token the second writes nothing and gets the first's row (its id is spent, never reused). The write and all
    /// its side effects: <see cref="RowWrites.RowWrite.Create"/>.
    /// </summary>
    private long EnsureToken(ViewChain chain, string token, out bool created)
    {
        created = false;
        var existing = _viewRecords.FindToken(chain, token);
        if (existing >= 0) return existing;

        var view = chain.View;
        if (view.SnapshotOf is not null)
            throw new StoreException(StoreError.FailedPrecondition, $"view '{view.Name}' is a snapshot of '{view.SnapshotOf}': it cannot create a row for '{token}'");
        _disk.EnsureRoomForWrite();
        using var write = _rowWrites.Begin(chain, 1);
        var vector = new float[chain.Dim];
        InitialVector(chain, token, vector);
        return write.Create(token, RowRecord.Create(0, RowOrigin.View, token, vector, chain.Slots), out created);
    }

    private void InitialVector(ViewChain chain, string token, Span<float> vector)
    {
        var view = chain.View;
        if (view.Init == InitKind.Copy)
        {
            var source = _viewRecords.FindToken(chain, view.InitCopyToken!);
            if (source < 0)
                throw new StoreException(StoreError.FailedPrecondition,
                    $"view '{view.Name}' initialises new rows as copies of '{view.InitCopyToken}', which it cannot read");
            ReadVector(chain, source, vector);
            return;
        }
        var scale = view.InitScale > 0 ? view.InitScale
            : view.Init == InitKind.Normal ? chain.Table.StdDev : chain.Table.VarianceMatchedA;
        RowInit.Fill(vector, view.Init, scale, view.Seed, token);
    }

    public void Pull(string view, ReadOnlySpan<long> ids, Span<float> vectors, Span<RowMeta> meta)
    {
        var chain = Chain(view);
        var dim = chain.Dim;
        if (vectors.Length < ids.Length * dim || meta.Length < ids.Length)
            throw new StoreException(StoreError.InvalidArgument, $"destination holds fewer than {ids.Length} rows of {dim} floats");
        var scratch = ArrayPool<byte>.Shared.Rent(ViewRecords.RecordCapacity(chain));
        try
        {
            for (var i = 0; i < ids.Length; i++)
            {
                meta[i] = ReadVector(chain, ids[i], vectors.Slice(i * dim, dim), scratch);
                if (meta[i].Own) NoteUse(chain, ids[i]);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(scratch); }
    }

    private RowMeta ReadVector(ViewChain chain, long id, Span<float> destination, byte[]? scratch = null)
    {
        scratch ??= new byte[ViewRecords.RecordCapacity(chain)];
        var position = _viewRecords.Read(chain, id, scratch);
        if (position == ViewRecords.NotReadable) throw new StoreException(StoreError.NotFound, RowNotFoundMessage(chain, id));
        if (position == ViewRecords.PadPosition)
        {
            destination.Clear();
            return new RowMeta(PadRowId, RowOrigin.Pad, false, 0, false, true);
        }
        var record = scratch.AsSpan();
        RowRecord.Vector((ReadOnlySpan<byte>)record).CopyTo(destination);
        var origin = RowRecord.Origin(record);
        return new RowMeta(id, origin, ViewRecords.IsTrainable(chain, id), RowRecord.Version(record), position == 0, chain.ReadsNeverChange[position]);
    }

    private static string RowNotFoundMessage(ViewChain chain, long id) =>
        $"row {id} cannot be read through view '{chain.View.Name}'";

}
