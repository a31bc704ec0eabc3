using System.Diagnostics;
using Spectre.Console;

namespace EmbeddingStore.Cli;

/// <summary>How far a long operation has come, in <see cref="ProgressDisplay"/>'s unit.</summary>
public readonly record struct ProgressStep(long Done, long Total);

/// <summary>
/// Shows a long operation's progress: a live bar at a terminal; with stdout redirected, a plain line at most once a
/// second and a summary at the end, since a redirected live bar would fill logs with redraw sequences.
/// </summary>
public static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(string label, bool bytes, Func<IProgress<ProgressStep>, Task<T>> work)
    {
        if (Console.IsOutputRedirected) return await RunPlainAsync(label, bytes, work);
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: 1);
                result = await work(new Relay<ProgressStep>(step =>
                {
                    // Totals can be unknown (0) until the server has read a header.
                    if (step.Total > 0) task.MaxValue = step.Total;
                    task.Value = step.Done;
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    private static async Task<T> RunPlainAsync<T>(string label, bool bytes, Func<IProgress<ProgressStep>, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var lastPrint = TimeSpan.Zero;
        var last = new ProgressStep();
        var result = await work(new Relay<ProgressStep>(step =>
        {
            last = step;
            if (clock.Elapsed - lastPrint < TimeSpan.FromSeconds(1)) return;
            lastPrint = clock.Elapsed;
            Console.Out.WriteLine($"{label}: {Describe(step, bytes)}");
        }));
        Console.Out.WriteLine($"{label}: done, {Amount(last.Done, bytes)} in {clock.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    private static string Describe(ProgressStep step, bool bytes) => step.Total > 0
        ? $"{(bytes ? Output.Bytes(step.Done) : step.Done)} of {Amount(step.Total, bytes)} ({100.0 * step.Done / step.Total:0}%)"
        : Amount(step.Done, bytes);

    private static string Amount(long value, bool bytes) => bytes ? Output.Bytes(value) : $"{value} rows";
}
