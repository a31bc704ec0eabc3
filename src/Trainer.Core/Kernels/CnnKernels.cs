namespace Trainer.Core.Kernels;

/// <summary>Every layer's compiled kernels for one device (ILGPU's kernel cache makes repeat construction cheap).</summary>
public sealed class CnnKernels(ComputeDevice device)
{
    public GatherKernel Gather { get; } = new(device);
    public Conv1dKernel Conv { get; } = new(device);
    public MaxPoolKernel MaxPool { get; } = new(device);
    public DropoutKernel Dropout { get; } = new(device);
    public DenseKernel Dense { get; } = new(device);
    public SoftmaxCrossEntropyKernel Loss { get; } = new(device);
    public RowGradientKernel RowGradient { get; } = new(device);
    public AdadeltaKernel Adadelta { get; } = new(device);
    public MaxNormKernel MaxNorm { get; } = new(device);
}
