using System.Diagnostics;
using System.Globalization;

namespace StoreBench.Peers;

/// <summary>
/// gensim's <c>KeyedVectors.load_word2vec_format</c> on a word2vec binary or text file, in its own Python process:
/// the load time and CPU time (gensim's own import excluded) and the process's peak resident memory (ru_maxrss).
/// </summary>
public static class GensimImport
{
    private const string Script = """
        import resource, sys, time
        from gensim.models import KeyedVectors
        def cpu():
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return usage.ru_utime + usage.ru_stime
        started, cpu_started = time.perf_counter(), cpu()
        vectors = KeyedVectors.load_word2vec_format(sys.argv[1], binary=sys.argv[2] == "binary")
        seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"{seconds} {peak_kb} {len(vectors)} {vectors.vector_size} {cpu_seconds}")
        """;

    public sealed record Result(double Seconds, double CpuSeconds, long PeakBytes, int Rows, int Dim);

    /// <summary>Null when the Python interpreter or gensim is missing (the reason goes to stderr).</summary>
    public static async Task<Result?> RunAsync(string python, string file, bool binary, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", Script, file, binary ? "binary" : "text" }) info.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"gensim peer skipped: {python}: {e.Message}");
            return null;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                Console.Error.WriteLine($"gensim peer skipped: exit {process.ExitCode}: {(await error).Trim()}");
                return null;
            }
            var f = (await output).Trim().Split(' ');
            return new Result(double.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture),
                long.Parse(f[1], CultureInfo.InvariantCulture) * 1024, int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture));
        }
    }
}
