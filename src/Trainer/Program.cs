using System.CommandLine;
using Trainer.Commands;

// "@word" arguments are sentences to classify, not response files.
return await TrainerCli.Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync();
