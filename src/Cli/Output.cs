using Spectre.Console;

namespace EmbeddingStore.Cli;

/// <summary>
/// Prints results: Spectre tables for people at a terminal, and plain space-aligned columns when stdout is redirected,
/// so scripts and tests can grep and split lines without box-drawing characters or terminal-width wrapping.
/// </summary>
public static class Output
{
    public static void Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (Console.IsOutputRedirected)
        {
            WriteAligned([headers, .. all]);
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers) table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        foreach (var row in all) table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)).ToArray());
        AnsiConsole.Write(table);
    }

    /// <summary>One <c>key value</c> line per field: the same for terminals and pipes.</summary>
    public static void Fields(IEnumerable<(string Key, string Value)> fields) =>
        WriteAligned(fields.Select(f => new[] { f.Key, f.Value }).ToList());

    public static void Line(string text) => Console.Out.WriteLine(text);

    private static void WriteAligned(IReadOnlyList<string[]> lines)
    {
        if (lines.Count == 0) return;
        var widths = Enumerable.Range(0, lines.Max(l => l.Length))
            .Select(i => lines.Max(l => i < l.Length ? l[i].Length : 0)).ToArray();
        foreach (var line in lines)
            Console.Out.WriteLine(string.Join("  ", line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]))));
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB",
    };

    public static string Time(long unixMs) =>
        unixMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'");
}
