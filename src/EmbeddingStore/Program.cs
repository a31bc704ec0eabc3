using EmbeddingStore.Server;

return await ServerCommandLine.Build().Parse(args).InvokeAsync();
