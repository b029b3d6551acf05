using Amazon.CDK;
using Constructs;

namespace Platform.AppHost.Aws;

/// <summary>
/// cdk-nag suppressions, written into the template as <c>cdk_nag</c> metadata, which the policy check in
/// <c>eng/policy/check-nag.mjs</c> honours. cdk-nag itself is a JavaScript library (Cdklabs.CdkNag is not served to .NET
/// builds), so the check runs on the synthesized template; this is the C# side of its suppression format. Every
/// suppression carries its reason, and the check fails on one without.
/// </summary>
public static class NagSuppressions
{
    public sealed record Suppression(string Id, string Reason);

    /// <summary>Suppresses rules on every CloudFormation resource under <paramref name="scope"/>.</summary>
    public static void Add(IConstruct scope, params Suppression[] suppressions)
    {
        foreach (var child in scope.Node.FindAll())
        {
            if (child is CfnResource resource)
            {
                AddTo(resource, suppressions);
            }
        }
    }

    // The suppressions written so far per resource (reading jsii metadata back is not worth its conversions).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CfnResource, List<Suppression>> s_written = new();

    private static void AddTo(CfnResource resource, Suppression[] suppressions)
    {
        var all = s_written.GetOrCreateValue(resource);
        foreach (var suppression in suppressions)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(suppression.Reason);
            if (!all.Any(s => s.Id == suppression.Id))
            {
                all.Add(suppression);
            }
        }

        resource.AddMetadata("cdk_nag", new Dictionary<string, object>
        {
            ["rules_to_suppress"] = all.Select(s => new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason }).ToArray(),
        });
    }
}
