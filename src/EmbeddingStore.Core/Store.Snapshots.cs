using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Snapshots: a static view over the table that holds, in its own space, every row the source view read from its
/// chain of views at one store version. Base rows keep their ids (a copy is stored only where the chain had
/// changed them); rows owned by views get new ids in the snapshot, reached by token as before.
/// </summary>
public sealed partial class Store
{
    public async Task<ViewInfo> CreateSnapshotAsync(string view, string name, CancellationToken cancellationToken)
    {
        _disk.EnsureRoomForWrite();
        Catalog.ValidateName(name, "snapshot");
        var chain = Chain(view);
        int space;
        lock (_catalogLock)
        {
            if (_catalog.Views.ContainsKey(name)) throw new StoreException(StoreError.AlreadyExists, $"view '{name}' already exists");
            // The space stays retired until the copy is complete, so a crash during the copy leaves only garbage.
            space = _catalog.NextSpace++;
            _catalog.Retired.Add(space);
            _spacesBeingFilled.Add(space);
            SaveCatalogLocked();
        }
        CommitCatalog();
        CrashPoints.Reach(CrashPoint.SnapshotReserved);

        (long Version, long Own, long Copies) copied;
        try { copied = await Task.Run(() => CopyRows(chain, space, cancellationToken), cancellationToken); }
        catch
        {
            lock (_catalogLock) _spacesBeingFilled.Remove(space);
            throw;
        }
        CrashPoints.Reach(CrashPoint.SnapshotCopied);
        lock (_catalogLock)
        {
            _spacesBeingFilled.Remove(space);
            if (_catalog.Views.ContainsKey(name)) throw new StoreException(StoreError.AlreadyExists, $"view '{name}' already exists");
            var source = chain.View;
            _catalog.Retired.Remove(space);
            _catalog.Views[name] = new ViewEntry
            {
                Name = name,
                Space = space,
                ParentTable = chain.Table.Name,
                Table = chain.Table.Name,
                Dim = chain.Dim,
                Mode = TrainMode.Static,
                UnknownPolicy = source.UnknownPolicy == UnknownPolicy.Create ? UnknownPolicy.Fail : source.UnknownPolicy,
                Init = source.Init,
                InitScale = source.InitScale,
                InitCopyToken = source.InitCopyToken,
                Optimizer = source.Optimizer,
                PadToken = source.PadToken,
                UnkToken = source.UnkToken,
                Seed = source.Seed,
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                SnapshotOf = source.Name,
                SnapshotVersion = copied.Version,
                NextLocal = copied.Own,
                OwnRows = copied.Own,
                CopiedRows = copied.Copies,
            };
            SaveCatalogLocked();
        }
        CommitCatalog();
        return DescribeView(name);
    }

    /// <summary>
    /// Copies what the chain's views hold into <paramref name="space"/>, flattened, while writes to those views wait:
    /// the gates make the copy one cut at the returned version.
    /// </summary>
    private (long Version, long Own, long Copies) CopyRows(ViewChain chain, int space, CancellationToken cancellationToken)
    {
        using var cut = _gates.Exclusive(chain.Spaces[..^1]);
        var version = Version;
        long own = 0, copies = 0;
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var rowKey = new byte[Keys.RowKeyLength];
        foreach (var id in ViewRowIds(chain))
        {
            if (((own + copies) & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _disk.EnsureRoomForWrite();
            }
            if (_viewRecords.Read(chain, id, scratch) == ViewRecords.NotReadable) continue;
            var token = RowRecord.Token(scratch);
            var vector = RowRecord.Vector((ReadOnlySpan<byte>)scratch);
            var rowVersion = RowRecord.Version(scratch);
            if (Keys.OwnerOf(id) == chain.Table.Space)
            {
                Keys.WriteRowKey(rowKey, space, id);
                WriteSnapshotRecord(rowKey, RowRecord.Create(rowVersion, RowOrigin.Copy, token, vector, 0));
                copies++;
                continue;
            }
            // A view's row whose token resolves elsewhere (a nearer view's row of the same token) is unreachable by token.
            if (_viewRecords.FindToken(chain, token) != id) continue;
            var newId = Keys.MakeRowId(space, own++);
            Keys.WriteRowKey(rowKey, space, newId);
            WriteSnapshotRecord(rowKey, RowRecord.Create(rowVersion, RowOrigin.View, token, vector, 0));
            var tokenKey = new byte[Keys.TokenKeyLength(token)];
            Keys.WriteTokenKey(tokenKey, space, token);
            var tokenValue = new byte[TokenRecord.Length];
            TokenRecord.Write(tokenValue, rowVersion, newId);
            WriteSnapshotRecord(tokenKey, tokenValue);
        }
        return (version, own, copies);
    }

    /// <summary>
    /// Each snapshot key is written once, so its after-image keeps the source row's version. Not a view's row yet (the
    /// space is retired until the copy is complete): no change feed entry, no cache to mark.
    /// </summary>
    private void WriteSnapshotRecord(byte[] key, byte[] value) => _rowWrites.Set(key, value);
}
