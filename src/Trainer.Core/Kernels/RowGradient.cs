using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Backward of <see cref="Gather"/>: dE[r, :] = Σ dX[p, :] over the positions p with LocalIndex[p] = r; padding
/// positions (-1) are dropped. This is the sparse gradient the trainer pushes to the store.
/// The positions are grouped per row on the host (<see cref="RowPositions.Build"/>), so every dE element has
/// a single writer and a fixed summation order: deterministic on every device, no atomics.
/// Gradient contract: dE is written with <c>=</c>.
/// </summary>
public static class RowGradient
{
    public static void Backward(float[] dx, int[] localIndex, int dim, float[] dRows, int rows)
    {
        Array.Clear(dRows, 0, rows * dim);
        for (int p = 0; p < localIndex.Length; p++)
        {
            int r = localIndex[p];
            if (r < 0) continue;
            for (int d = 0; d < dim; d++) dRows[r * dim + d] += dx[p * dim + d];
        }
    }

    internal static void Kernel(Index1D thread, int threads, int rows, int dim, int block,
        ArrayView<float> dx, ArrayView<int> rowStart, ArrayView<int> positions, ArrayView<float> dRows)
    {
        int blocks = (dim + block - 1) / block;
        int items = rows * blocks;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int r = i / blocks;
            int d0 = i % blocks * block, d1 = Math.Min(dim, d0 + block);
            for (int d = d0; d < d1; d++) dRows[r * dim + d] = 0f;
            for (int j = rowStart[r]; j < rowStart[r + 1]; j++)
            {
                int p = positions[j];
                for (int d = d0; d < d1; d++) dRows[r * dim + d] += dx[p * dim + d];
            }
        }
    }
}

/// <summary>Positions of the batch grouped by distinct row, in CSR form (positions ascending within a row).</summary>
public sealed record RowPositions(int[] RowStart, int[] Positions)
{
    public static RowPositions Build(ReadOnlySpan<int> localIndex, int rows)
    {
        var start = new int[rows + 1];
        foreach (int r in localIndex)
        {
            if (r >= rows) throw new ArgumentOutOfRangeException(nameof(localIndex), $"Local index {r} is not below the {rows} distinct rows.");
            if (r >= 0) start[r + 1]++;
        }
        for (int r = 0; r < rows; r++) start[r + 1] += start[r];
        var positions = new int[start[rows]];
        var next = start[..rows];
        for (int p = 0; p < localIndex.Length; p++)
            if (localIndex[p] >= 0) positions[next[localIndex[p]]++] = p;
        return new RowPositions(start, positions);
    }
}

public sealed class RowGradientKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>> _kernel;

    public RowGradientKernel(ComputeDevice device)
    {
        _device = device;
        _kernel = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>>(RowGradient.Kernel);
    }

    /// <param name="rowStart">Device copy of <see cref="RowPositions.RowStart"/> (rows + 1 entries).</param>
    /// <param name="positions">Device copy of <see cref="RowPositions.Positions"/>.</param>
    public void Backward(ArrayView<float> dx, ArrayView<int> rowStart, ArrayView<int> positions, int rows, int dim, ArrayView<float> dRows)
    {
        int block = _device.Backend == ComputeBackend.Cpu ? dim : 1;
        int threads = Work.Threads(_device, (long)rows * ((dim + block - 1) / block));
        _kernel(threads, threads, rows, dim, block, dx, rowStart, positions, dRows);
    }
}
