using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/MicroBench -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
