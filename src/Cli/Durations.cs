using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EmbeddingStore.Cli;

/// <summary>Durations as people type them: a number and a unit (ms, s, m, h, d).</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")]
    private static partial Regex Pattern();

    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        var match = Pattern().Match(text.Trim().ToLowerInvariant());
        if (!match.Success)
        {
            result.AddError($"'{text}' is not a duration: give a number and a unit, e.g. 300ms, 30s, 10m, 2h, 7d");
            return TimeSpan.Zero;
        }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromDays(value),
        };
    }

    /// <summary>The largest unit that shows the value exactly, e.g. 300ms, 90s, 10m.</summary>
    public static string Format(long milliseconds) => milliseconds switch
    {
        _ when milliseconds % 86_400_000 == 0 => $"{milliseconds / 86_400_000}d",
        _ when milliseconds % 3_600_000 == 0 => $"{milliseconds / 3_600_000}h",
        _ when milliseconds % 60_000 == 0 => $"{milliseconds / 60_000}m",
        _ when milliseconds % 1000 == 0 => $"{milliseconds / 1000}s",
        _ => $"{milliseconds}ms",
    };
}
