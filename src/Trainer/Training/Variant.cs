namespace Trainer.Training;

/// <summary>Kim's four variants, plus overlay: pretrained rows frozen, only unknown and special rows trained.</summary>
public enum Variant { Rand, Static, NonStatic, Multichannel, Overlay }

public static class Variants
{
    public static Variant Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rand" => Variant.Rand,
        "static" => Variant.Static,
        "non-static" or "nonstatic" => Variant.NonStatic,
        "multichannel" => Variant.Multichannel,
        "overlay" => Variant.Overlay,
        _ => throw new ArgumentException($"unknown variant '{name}': use rand, static, non-static, multichannel or overlay"),
    };

    public static string Name(this Variant variant) => variant switch
    {
        Variant.NonStatic => "non-static",
        _ => variant.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether any row is trained, i.e. whether the trainer pushes at all.</summary>
    public static bool TrainsRows(this Variant variant) => variant != Variant.Static;
}
