namespace EmbeddingStore.Server.Security;

/// <summary>
/// The API keys in force, read from the key file at start and again whenever it changes. A file that fails to
/// parse leaves the previous keys in force and is reported in the log, naming the file and line.
/// </summary>
public sealed class KeyRing : IDisposable
{
    /// <summary>Editors write a file in several steps; reading once they have finished avoids parsing a half.</summary>
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly string _path;
    private readonly ILogger<KeyRing> _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _reload;
    private volatile IReadOnlyDictionary<string, ApiKey> _keys;

    /// <exception cref="KeyFileException">The file is invalid at start: the server must not start with no keys.</exception>
    public KeyRing(ServerOptions options, ILogger<KeyRing> logger)
    {
        _path = Path.GetFullPath(options.KeyFile ?? throw new ArgumentException("no key file configured", nameof(options)));
        _logger = logger;
        _keys = KeyFile.Load(_path);
        _reload = new Timer(_ => Reload());
        // The folder is watched, not the file: editors and config tools replace files by renaming over them.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => _reload.Change(Debounce, Timeout.InfiniteTimeSpan);
        _watcher.Created += (_, _) => _reload.Change(Debounce, Timeout.InfiniteTimeSpan);
        _watcher.Renamed += (_, _) => _reload.Change(Debounce, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    public string FilePath => _path;

    public int Count => _keys.Count;

    /// <summary>
    /// Raised after the keys were re-read, on the thread that read them; open streams check their key again
    /// (<see cref="AuthInterceptor"/>). Handlers must be quick and must not throw.
    /// </summary>
    public event Action? Reloaded;

    /// <summary>The key whose hash matches, or null.</summary>
    public ApiKey? Find(string presentedKey) => FindByHash(ApiKey.Hash(presentedKey));

    /// <summary>The key of this SHA-256 (lower-case hex) as the file now holds it, or null.</summary>
    public ApiKey? FindByHash(string sha256) => _keys.GetValueOrDefault(sha256);

    private void Reload()
    {
        try
        {
            _keys = KeyFile.Load(_path);
            ServerLog.KeysReloaded(_logger, _path, _keys.Count);
        }
        catch (KeyFileException e)
        {
            ServerLog.KeyFileRejected(_logger, e.Message);
            return;
        }
        // On a timer's thread, where an exception would end the process; one failing handler must not skip the others.
        foreach (var handler in Reloaded?.GetInvocationList() ?? [])
            try { ((Action)handler)(); }
            catch (Exception e) { ServerLog.KeyRecheckFailed(_logger, e); }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _reload.Dispose();
    }
}
