using ProtoDoc;

// Usage: ProtoDoc PROTO_FILE HEADER_MARKDOWN   (writes the API reference to stdout; exit 1 listing undocumented elements)
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ProtoDoc PROTO_FILE HEADER_MARKDOWN > docs/api.md");
    return 2;
}
var elements = ProtoFile.Parse(File.ReadAllText(args[0]), args[0]);
var missing = ProtoFile.Undocumented(elements, args[0]).ToList();
foreach (var line in missing) Console.Error.WriteLine(line);
Console.Write(ApiMarkdown.Render(elements, args[0], File.ReadAllText(args[1])));
return missing.Count == 0 ? 0 : 1;
