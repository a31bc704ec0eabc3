using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EmbeddingStore.Server;

/// <summary>
/// Reads <c>--config FILE</c>: a JSON object whose keys are <see cref="ServerOptions"/>' properties (limits under
/// "Limits"), case-insensitive. Unknown keys are errors naming the key, so a typo cannot silently leave a default in
/// force. Relative paths in the file are relative to the file's folder, so a unit file may start the server anywhere.
/// </summary>
public static class ServerConfigFile
{
    private static readonly HashSet<string> KnownKeys = new(
        Writable(typeof(ServerOptions)).Where(p => p.PropertyType != typeof(StoreLimits)).Select(p => p.Name)
            .Concat(Writable(typeof(StoreLimits)).Select(p => $"{nameof(ServerOptions.Limits)}:{p.Name}")),
        StringComparer.OrdinalIgnoreCase);

    /// <exception cref="InvalidDataException">The file is missing, malformed, has an unknown key or a value of the wrong type.</exception>
    public static ServerOptions Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new InvalidDataException($"configuration file {full} does not exist");
        IConfigurationRoot config;
        try { config = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build(); }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{full}: {e.InnerException?.Message ?? e.Message}");
        }
        var unknown = config.AsEnumerable(makePathsRelative: true)
            .Where(pair => pair.Value is not null && !KnownKeys.Contains(pair.Key))
            .Select(pair => pair.Key).Order().ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"{full}: unknown key{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"'{k}'"))}; " +
                                           $"known keys: {string.Join(", ", KnownKeys.Order())}");
        ServerOptions options;
        try { options = config.Get<ServerOptions>() ?? new ServerOptions(); }
        catch (InvalidOperationException e) { throw new InvalidDataException($"{full}: {e.Message}"); }
        var folder = Path.GetDirectoryName(full)!;
        string? Anchor(string? p) => p is null ? null : Path.GetFullPath(p, folder);
        return options with
        {
            DataDir = Anchor(options.DataDir)!,
            ImportDir = Anchor(options.ImportDir),
            TlsCert = Anchor(options.TlsCert),
            TlsKey = Anchor(options.TlsKey),
            KeyFile = Anchor(options.KeyFile),
        };
    }

    private static IEnumerable<PropertyInfo> Writable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract");
}
