namespace Trainer.Core.Model;

/// <summary>
/// One implementation of Kim's CNN (ILGPU kernels, the C# reference, later a SIMD CPU path).
/// A batch arrives as the distinct embedding rows it uses plus, per position, an index into them:
/// distinctRows[u * D], localIndex[B * L] (-1 = padding), labels[B]; B may change from call to call.
/// staticRows (same u * D layout) is the static channel, required exactly when Config.Channels == 2, else empty.
/// </summary>
public interface ICnnBackend : IDisposable
{
    KimCnnConfig Config { get; }

    /// <summary>Training steps taken so far; also the dropout stream's counter.</summary>
    long Step { get; }

    /// <summary>
    /// Forward, backward, Adadelta and max-norm on the in-process parameters. Writes (=) into rowGradOut[u * D]
    /// the gradient of the mean batch loss with respect to each distinct row, summed over the positions that use it
    /// (the non-static channel; padding contributes nothing), for the caller to push to the store.
    /// The gradient is taken at the parameters before this step's update.
    /// </summary>
    /// <returns>The mean cross-entropy over the batch, before the update.</returns>
    float TrainStep(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> staticRows, Span<float> rowGradOut);

    /// <summary>Arg-max class per sentence, without dropout.</summary>
    int[] Predict(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows);

    /// <summary>Class probabilities [B * K], without dropout.</summary>
    float[] Probabilities(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows);

    /// <summary>A copy of the parameters in <see cref="ParameterLayout"/> order.</summary>
    float[] GetParameters();

    /// <summary>Replaces the parameters (in <see cref="ParameterLayout"/> order) and resets the Adadelta state.</summary>
    void SetParameters(ReadOnlySpan<float> parameters);
}
