using System.Text;

namespace ProtoDoc;

/// <summary>Renders parsed proto elements as the API reference in docs/api.md.</summary>
public static class ApiMarkdown
{
    public static string Render(IReadOnlyList<ProtoElement> elements, string sourcePath, string header)
    {
        var md = new StringBuilder();
        md.Append(header.TrimEnd()).Append("\n\n");
        md.Append($"<!-- Generated from {sourcePath} by tools/ProtoDoc; do not edit by hand: edit the proto's comments and run\n");
        md.Append("     dotnet run --project tools/ProtoDoc -- protos/embedding_store.proto docs/api-header.md > docs/api.md -->\n\n");

        md.Append("## Services\n\n");
        foreach (var service in elements.Where(e => e.Kind == "service"))
        {
            md.Append($"### `{service.Path}`\n\n{service.Comment}\n\n| method | what it does, and its status codes |\n|---|---|\n");
            foreach (var rpc in service.Children)
                md.Append($"| `{Cell(rpc.Declaration)}` | {Cell(rpc.Comment)} |\n");
            md.Append('\n');
        }

        md.Append("## Messages\n\n");
        foreach (var message in elements.Where(e => e.Kind == "message")) RenderMessage(md, message);

        md.Append("## Enums\n\n");
        foreach (var e in elements.Where(e => e.Kind == "enum").Concat(Nested(elements, "enum"))) RenderEnum(md, e);
        return md.ToString();
    }

    private static IEnumerable<ProtoElement> Nested(IEnumerable<ProtoElement> elements, string kind) =>
        elements.Where(e => e.Kind == "message").SelectMany(m => m.Children.Where(c => c.Kind == kind).Concat(Nested(m.Children, kind)));

    private static void RenderMessage(StringBuilder md, ProtoElement message)
    {
        md.Append($"### `{message.Path}`\n\n");
        if (message.Comment.Length > 0) md.Append(message.Comment).Append("\n\n");
        var fields = message.Children.Where(c => c.Kind is "field" or "oneof field").ToList();
        if (fields.Count > 0)
        {
            md.Append("| field | meaning |\n|---|---|\n");
            foreach (var field in fields)
            {
                var note = field.Kind == "oneof field" ? " (one of)" : "";
                md.Append($"| `{Cell(field.Declaration)}`{note} | {Cell(field.Comment)} |\n");
            }
        }
        else md.Append("No fields.\n");
        md.Append('\n');
        foreach (var nested in message.Children.Where(c => c.Kind == "message")) RenderMessage(md, nested);
    }

    private static void RenderEnum(StringBuilder md, ProtoElement e)
    {
        md.Append($"### `{e.Path}`\n\n");
        if (e.Comment.Length > 0) md.Append(e.Comment).Append("\n\n");
        md.Append("| value | meaning |\n|---|---|\n");
        foreach (var value in e.Children) md.Append($"| `{Cell(value.Declaration)}` | {Cell(value.Comment)} |\n");
        md.Append('\n');
    }

    private static string Cell(string text) => text.Replace("|", "\\|");
}
