namespace Trainer.Core.Kernels;

/// <summary>Sizes of one narrow convolution: X[Batch, Length, Dim] * W[Filters, Window, Dim] → Y[Batch, Filters, Steps].</summary>
public readonly struct ConvShape(int batch, int length, int dim, int window, int filters)
{
    public readonly int Batch = batch;
    public readonly int Length = length;
    public readonly int Dim = dim;
    public readonly int Window = window;
    public readonly int Filters = filters;

    /// <summary>Output positions of a narrow convolution (no padding beyond what the input carries).</summary>
    public int Steps => Length - Window + 1;

    /// <summary>Weights per filter; also the length of one input window, which is contiguous in X.</summary>
    public int WindowSize => Window * Dim;
}
