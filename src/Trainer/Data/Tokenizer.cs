using System.Text.RegularExpressions;

namespace Trainer.Data;

/// <summary>
/// Kim's <c>clean_str</c> (process_data.py), reproduced exactly, quirks included: the replacements for
/// "(", ")" and "?" insert a literal backslash, so his vocabulary holds tokens like <c>\(</c> and <c>\?</c>.
/// Matching it matters because the reported figures (MR: 18,765 distinct tokens, longest 56) come from it.
/// </summary>
public static partial class Tokenizer
{
    [GeneratedRegex(@"[^A-Za-z0-9(),!?'`]")] private static partial Regex NotKept();
    [GeneratedRegex(@"'s")] private static partial Regex Is();
    [GeneratedRegex(@"'ve")] private static partial Regex Have();
    [GeneratedRegex(@"n't")] private static partial Regex Not();
    [GeneratedRegex(@"'re")] private static partial Regex Are();
    [GeneratedRegex(@"'d")] private static partial Regex Would();
    [GeneratedRegex(@"'ll")] private static partial Regex Will();
    [GeneratedRegex(@"\s{2,}")] private static partial Regex Spaces();

    /// <summary>Tokens of a sentence; lowercased unless <paramref name="lowercase"/> is false (Kim's TREC variant).</summary>
    public static string[] CleanStr(string sentence, bool lowercase = true)
    {
        var s = NotKept().Replace(sentence, " ");
        s = Is().Replace(s, " 's");
        s = Have().Replace(s, " 've");
        s = Not().Replace(s, " n't");
        s = Are().Replace(s, " 're");
        s = Would().Replace(s, " 'd");
        s = Will().Replace(s, " 'll");
        s = s.Replace(",", " , ").Replace("!", " ! ").Replace("(", @" \( ").Replace(")", @" \) ").Replace("?", @" \? ");
        s = Spaces().Replace(s, " ").Trim();
        if (lowercase) s = s.ToLowerInvariant();
        return s.Length == 0 ? [] : s.Split(' ');
    }
}
