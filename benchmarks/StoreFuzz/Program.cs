using StoreFuzz;

// benchmarks/fuzz.sh [CALLS] [--seed S] [--concurrency C] [--batch B] [--report PATH]
// Exit code: 0 when every call got a documented status and every invariant held, 1 otherwise, 2 for a wrong command line.
const string Usage = "usage: StoreFuzz [--calls N] [--seed S] [--concurrency C] [--batch B] [--report PATH]";
var options = new FuzzOptions();
string? reportPath = null;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => ++i < args.Length ? args[i] : throw new FormatException($"{args[i - 1]} needs a value");
        switch (args[i])
        {
            case "--calls": options = options with { Calls = long.Parse(Value()) }; break;
            case "--seed": options = options with { Seed = int.Parse(Value()) }; break;
            case "--concurrency": options = options with { Concurrency = int.Parse(Value()) }; break;
            case "--batch": options = options with { BatchCalls = int.Parse(Value()) }; break;
            case "--report": reportPath = Value(); break;
            default: throw new FormatException($"unknown option {args[i]}");
        }
    }
    if (options.Calls < 1 || options.Concurrency < 1 || options.BatchCalls < 1) throw new FormatException("calls, concurrency and batch must be positive");
}
catch (FormatException e)
{
    Console.Error.WriteLine($"{e.Message}\n{Usage}");
    return 2;
}

var report = await FuzzRunner.RunAsync(options);
var markdown = report.ToMarkdown();
Console.WriteLine(markdown);
if (reportPath is not null) await File.WriteAllTextAsync(reportPath, markdown + "\n");
if (!report.Passed) Console.WriteLine($"to repeat this run: benchmarks/fuzz.sh {options.Calls} --seed {options.Seed} --concurrency {options.Concurrency}");
return report.Passed ? 0 : 1;
