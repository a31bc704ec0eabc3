using EmbeddingStore.Cli;

return await CliApp.RunAsync(args);
