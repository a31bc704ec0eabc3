using System.Diagnostics;
using Trainer.Core.Cpu;

namespace Trainer.Core.Model;

/// <summary>Throughput of a backend on synthetic batches (random rows, MR-like sentence lengths or no padding).</summary>
public static class TrainStepBenchmark
{
    public sealed record Result(int Batches, int BatchSize, double Seconds, double TrainExamplesPerSecond, double PredictExamplesPerSecond);

    /// <param name="mrLikeLengths">
    /// Sentences of 21 ± 15 words after Kim's 4 leading pad positions, the rest padding (like MR with L = 64);
    /// false fills every position with a word, the worst case.
    /// </param>
    /// <param name="updateRows">
    /// Also apply each step's row gradients to the table with Adadelta, as the store does for a non-static view
    /// (a framework reference that trains its embedding pays for that update inside its step).
    /// </param>
    public static Result Run(ICnnBackend model, int batchSize, int batches, bool mrLikeLengths, bool updateRows = false, int seed = 1)
    {
        var c = model.Config;
        var random = new Random(seed);
        int rows = Math.Max(1, Math.Min(batchSize * c.Positions, 2000));
        var table = new float[rows * c.Dim];
        for (int i = 0; i < table.Length; i++) table[i] = (float)(random.NextDouble() - 0.5);
        var staticRows = c.Channels == 2 ? table : [];
        var index = new int[batchSize * c.Positions];
        Array.Fill(index, -1);
        for (int b = 0; b < batchSize; b++)
        {
            int first = mrLikeLengths ? Math.Min(4, c.Positions - 1) : 0;
            int length = mrLikeLengths ? Math.Clamp(6 + random.Next(31), 1, c.Positions - first) : c.Positions;
            for (int p = first; p < first + length; p++) index[b * c.Positions + p] = random.Next(rows);
        }
        var labels = Enumerable.Range(0, batchSize).Select(_ => random.Next(c.Classes)).ToArray();
        var grad = new float[table.Length];
        var (eg2, edx2) = (new float[table.Length], new float[table.Length]);

        void Train()
        {
            model.TrainStep(table, rows, index, labels, staticRows, grad);
            if (updateRows) VectorAdadelta.Update(table, grad, eg2, edx2, c.Rho, c.Epsilon);
        }

        Train(); // the first call compiles kernels and sizes buffers
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < batches; i++) Train();
        double train = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = 0; i < batches; i++) model.Predict(table, rows, index, staticRows);
        double predict = clock.Elapsed.TotalSeconds;
        int examples = batches * batchSize;
        return new Result(batches, batchSize, train + predict, examples / train, examples / predict);
    }
}
