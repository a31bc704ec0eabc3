using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// A view and its ancestors, nearest first, ending with the table's space. Reads go down this
/// chain: the first space holding a token or a row wins. Chains never change while the view
/// exists, because a parent cannot be deleted before its children.
/// </summary>
internal sealed class ViewChain
{
    public required ViewEntry View { get; init; }
    public required TableEntry Table { get; init; }
    /// <summary>Spaces from the view itself (index 0) to the table (last).</summary>
    public required int[] Spaces { get; init; }
    /// <summary>Whether the space at the same index may hold fine-tune copies of inherited rows.</summary>
    public required bool[] MayHoldCopies { get; init; }
    /// <summary>
    /// Whether a record read from the space at the same index can never change for this view: the table's base rows
    /// and a static view's own rows (a snapshot's included) are never written after they are made, and no nearer view
    /// is a fine-tune view that could later shadow them with a copy. (Such a row may still disappear: deleted with its
    /// view or table, or evicted.)
    /// </summary>
    public required bool[] ReadsNeverChange { get; init; }
    public required int Slots { get; init; }

    public int Dim => View.Dim;

    /// <summary>Position of a row's owner space in the chain, or -1 when this view cannot read the row.</summary>
    public int PositionOfOwner(long rowId)
    {
        var owner = Keys.OwnerOf(rowId);
        for (var i = 0; i < Spaces.Length; i++)
            if (Spaces[i] == owner) return i;
        return -1;
    }

    public static ViewChain Build(Catalog catalog, ViewEntry view)
    {
        var spaces = new List<int>();
        var copies = new List<bool>();
        var neverChange = new List<bool>();
        var nearerFineTune = false;
        for (ViewEntry? v = view; v is not null; v = v.ParentView is null ? null : catalog.Views[v.ParentView])
        {
            spaces.Add(v.Space);
            // A snapshot holds copies of the base rows its source had changed.
            copies.Add(v.Mode == TrainMode.FineTune || v.SnapshotOf is not null);
            // A snapshot is static and finished before it becomes a view: it never gains a copy later.
            neverChange.Add(v.Mode == TrainMode.Static && !nearerFineTune);
            nearerFineTune |= v.Mode == TrainMode.FineTune;
        }
        var table = catalog.Tables[view.Table];
        spaces.Add(table.Space);
        copies.Add(false);
        neverChange.Add(!nearerFineTune);
        return new ViewChain
        {
            View = view,
            Table = table,
            Spaces = [.. spaces],
            MayHoldCopies = [.. copies],
            ReadsNeverChange = [.. neverChange],
            Slots = view.Optimizer.StateSlots,
        };
    }
}
