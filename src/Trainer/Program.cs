using System.CommandLine;
using Trainer.Commands;

return await TrainerCli.Build().Parse(args).InvokeAsync();
