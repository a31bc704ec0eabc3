using CrashLoop;
using EndToEnd.Tests.Infrastructure;

// benchmarks/crash-loop.sh N [--seed S] [--keep] [--min-load-ms MS] [--max-load-ms MS] [--margin-ms MS] [--file PATH]
// Exit code: 0 when every check passed, 1 when one failed, 2 for a wrong command line.
const string Usage = "usage: CrashLoop --cycles N [--seed S] [--keep] [--min-load-ms MS] [--max-load-ms MS] [--margin-ms MS] [--file PATH]";
var options = new CrashLoopOptions { VectorFile = "" };
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => ++i < args.Length ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
        options = args[i] switch
        {
            "--cycles" => options with { Cycles = int.Parse(Value()) },
            "--seed" => options with { Seed = int.Parse(Value()) },
            "--keep" => options with { KeepFailedData = true },
            "--min-load-ms" => options with { MinLoad = TimeSpan.FromMilliseconds(int.Parse(Value())) },
            "--max-load-ms" => options with { MaxLoad = TimeSpan.FromMilliseconds(int.Parse(Value())) },
            "--margin-ms" => options with { FlushMarginMs = int.Parse(Value()) },
            "--file" => options with { VectorFile = Value() },
            _ => throw new FormatException($"unknown option {args[i]}"),
        };
    }
    if (options.MinLoad > options.MaxLoad) throw new FormatException("--min-load-ms is above --max-load-ms");
}
catch (FormatException e)
{
    Console.Error.WriteLine($"{e.Message}\n{Usage}");
    return 2;
}
if (options.VectorFile == "") options = options with { VectorFile = RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin") };

var report = await CrashLoopRunner.RunAsync(options);
if (!report.Passed) Console.WriteLine($"to repeat this run: benchmarks/crash-loop.sh {options.Cycles} --seed {options.Seed}");
return report.Passed ? 0 : 1;
