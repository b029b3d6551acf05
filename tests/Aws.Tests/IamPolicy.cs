using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Platform.Aws.Tests;

/// <summary>
/// Whether an IAM policy document's Allow statements grant one request: action, resource and request context, with
/// IAM's wildcards (* and ?) and the condition operators the repository's policies use (StringEquals, StringLike,
/// ArnEquals, ArnLike). Written here because the tests need the answer for a policy file, offline; an operator it does
/// not know makes the statement not match, so the answer errs towards "denied" and a test never passes by accident.
/// </summary>
internal static class IamPolicy
{
    public static JsonNode Load(params string[] path) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine([Synthesis.RepositoryRoot, .. path])))!;

    public static bool Allows(JsonNode policy, string action, string resource, IReadOnlyDictionary<string, string>? context = null) =>
        policy["Statement"]!.AsArray().Select(s => s!.AsObject()).Any(s =>
            (string?)s["Effect"] == "Allow"
            && Values(s["Action"]).Any(a => Matches(a, action, ignoreCase: true))
            && Values(s["Resource"]).Any(r => Matches(r, resource, ignoreCase: false))
            && ConditionHolds(s["Condition"]?.AsObject(), context ?? new Dictionary<string, string>()));

    private static bool ConditionHolds(JsonObject? condition, IReadOnlyDictionary<string, string> context) =>
        condition is null || condition.All(op => op.Value!.AsObject().All(key =>
            context.TryGetValue(key.Key, out var actual) && op.Key switch
            {
                "StringEquals" or "ArnEquals" => Values(key.Value).Contains(actual, StringComparer.Ordinal),
                "StringLike" or "ArnLike" => Values(key.Value).Any(v => Matches(v, actual, ignoreCase: false)),
                _ => false,
            }));

    private static IEnumerable<string> Values(JsonNode? node) => node switch
    {
        JsonArray list => list.Select(v => (string)v!),
        null => [],
        _ => [(string)node!],
    };

    private static bool Matches(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
}
