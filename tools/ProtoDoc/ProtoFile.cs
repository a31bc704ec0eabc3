using System.Text.RegularExpressions;

namespace ProtoDoc;

/// <summary>One documented element of a .proto file: a service, method, message, field, enum or enum value.</summary>
/// <param name="Kind">service, rpc, message, field, enum or value.</param>
/// <param name="Path">Dotted path, e.g. <c>PullRequest.tokens</c> or <c>Rows.Pull</c>.</param>
/// <param name="Declaration">The declaration as written, without its comment (e.g. <c>repeated string tokens = 2</c>).</param>
/// <param name="Comment">The comment lines above it and after it on the same line, joined; empty when undocumented.</param>
/// <param name="Line">1-based line of the declaration.</param>
public sealed record ProtoElement(string Kind, string Path, string Declaration, string Comment, int Line)
{
    public List<ProtoElement> Children { get; } = [];
}

/// <summary>
/// A reader for the subset of proto3 this repository writes: one declaration per line, <c>//</c> comments above a
/// declaration or after it on the same line, nested messages, enums and oneofs. Not a general proto parser.
/// </summary>
public static partial class ProtoFile
{
    [GeneratedRegex(@"^(service|message|enum)\s+(\w+)\s*\{\s*(\})?$")]
    private static partial Regex BlockStart();

    [GeneratedRegex(@"^oneof\s+(\w+)\s*\{$")]
    private static partial Regex OneofStart();

    [GeneratedRegex(@"^rpc\s+(\w+)\s*\((.+)\)\s*returns\s*\((.+)\)\s*;$")]
    private static partial Regex Rpc();

    [GeneratedRegex(@"^((?:repeated\s+|optional\s+)?[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;$")]
    private static partial Regex Field();

    [GeneratedRegex(@"^(\w+)\s*=\s*(-?\d+)\s*;$")]
    private static partial Regex EnumValue();

    /// <summary>The file's top-level services, messages and enums with their members, in file order.</summary>
    public static List<ProtoElement> Parse(string text, string fileName)
    {
        var top = new List<ProtoElement>();
        var stack = new Stack<ProtoElement?>(); // null marks a oneof: its fields belong to the enclosing message
        var comment = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].Trim();
            if (raw.StartsWith("//", StringComparison.Ordinal))
            {
                comment.Add(raw[2..].Trim());
                continue;
            }
            var (code, trailing) = SplitComment(raw);
            if (code.Length == 0)
            {
                comment.Clear();
                continue;
            }
            var doc = string.Join(' ', comment.Append(trailing).Where(c => c.Length > 0));
            comment.Clear();
            var parent = stack.FirstOrDefault(e => e is not null);

            if (code == "}")
            {
                if (stack.Count == 0) throw Error(fileName, i, "unbalanced '}'");
                stack.Pop();
            }
            else if (BlockStart().Match(code) is { Success: true } block)
            {
                var element = new ProtoElement(block.Groups[1].Value, Join(parent, block.Groups[2].Value), code.TrimEnd('{', '}', ' '), doc, i + 1);
                (parent?.Children ?? top).Add(element);
                if (!block.Groups[3].Success) stack.Push(element);
            }
            else if (OneofStart().IsMatch(code)) stack.Push(null);
            else if (Rpc().Match(code) is { Success: true } rpc && parent is { Kind: "service" })
                parent.Children.Add(new ProtoElement("rpc", Join(parent, rpc.Groups[1].Value),
                    $"{rpc.Groups[1].Value}({rpc.Groups[2].Value}) returns ({rpc.Groups[3].Value})", doc, i + 1));
            else if (Field().Match(code) is { Success: true } field && parent is { Kind: "message" })
                parent.Children.Add(new ProtoElement(stack.Peek() is null ? "oneof field" : "field", Join(parent, field.Groups[2].Value),
                    code.TrimEnd(';'), doc, i + 1));
            else if (EnumValue().Match(code) is { Success: true } value && parent is { Kind: "enum" })
                parent.Children.Add(new ProtoElement("value", Join(parent, value.Groups[1].Value), code.TrimEnd(';'), doc, i + 1));
            else if (!IsFileOption(code))
                throw Error(fileName, i, $"cannot read '{code}' (one declaration per line is expected)");
        }
        if (stack.Count > 0) throw Error(fileName, lines.Length - 1, "missing '}'");
        return top;
    }

    /// <summary>Every element without a comment, as "file:line: kind path".</summary>
    public static IEnumerable<string> Undocumented(IEnumerable<ProtoElement> elements, string fileName) =>
        elements.SelectMany(e => e.Children.Prepend(e).SelectMany(c => c == e ? [c] : Flatten(c)))
            .Where(e => e.Comment.Length == 0)
            .Select(e => $"{fileName}:{e.Line}: {e.Kind} {e.Path} has no comment");

    private static IEnumerable<ProtoElement> Flatten(ProtoElement element) => element.Children.SelectMany(Flatten).Prepend(element);

    private static bool IsFileOption(string code) =>
        code.StartsWith("syntax", StringComparison.Ordinal) || code.StartsWith("package", StringComparison.Ordinal)
        || code.StartsWith("option", StringComparison.Ordinal) || code.StartsWith("import", StringComparison.Ordinal);

    private static (string Code, string Comment) SplitComment(string line)
    {
        var at = line.IndexOf("//", StringComparison.Ordinal);
        return at < 0 ? (line, "") : (line[..at].Trim(), line[(at + 2)..].Trim());
    }

    private static string Join(ProtoElement? parent, string name) => parent is null ? name : parent.Path + "." + name;

    private static FormatException Error(string fileName, int index, string problem) => new($"{fileName}:{index + 1}: {problem}");
}
