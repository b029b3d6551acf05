using Amazon.CDK;
using Constructs;

namespace Platform.AppHost.Aws;

/// <summary>
/// Suppressions of policy findings, written into the template as resource metadata, each with its reason:
/// <c>cdk_nag.rules_to_suppress</c> for cdk-nag's AwsSolutions rules (ids like <c>AwsSolutions-IAM5</c>) in cdk-nag's
/// own format, and <c>cfn_guard.rules_to_suppress</c> for AWS Control Tower's cfn-guard rules (ids like
/// <c>CT.S3.PR.9</c>). The policy check (<c>eng/policy/check.mjs</c>) honours both and fails on a suppression without a
/// reason. Written here rather than through cdk-nag's .NET package because the check runs on the synthesized template
/// with the tools' own engines (JavaScript and Rust), which read only this metadata; here a suppression sits beside the decision it excuses, and only where that
/// decision holds (a dev-only suppression exists only in the dev template).
/// </summary>
public static class PolicySuppressions
{
    public sealed record Suppression(string Id, string Reason);

    private const string NagKey = "cdk_nag";
    private const string GuardKey = "cfn_guard";

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
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CfnResource, List<Suppression>> Written = new();

    private static void AddTo(CfnResource resource, Suppression[] suppressions)
    {
        var all = Written.GetOrCreateValue(resource);
        foreach (var suppression in suppressions)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(suppression.Reason);
            if (!all.Any(s => s.Id == suppression.Id))
            {
                all.Add(suppression);
            }
        }

        foreach (var (key, rules) in new[]
        {
            (NagKey, all.Where(s => !IsGuardRule(s.Id)).ToList()),
            (GuardKey, all.Where(s => IsGuardRule(s.Id)).ToList()),
        })
        {
            if (rules.Count > 0)
            {
                resource.AddMetadata(key, new Dictionary<string, object>
                {
                    ["rules_to_suppress"] = rules.Select(s => new Dictionary<string, object> { ["id"] = s.Id, ["reason"] = s.Reason }).ToArray(),
                });
            }
        }
    }

    private static bool IsGuardRule(string id) => id.StartsWith("CT.", StringComparison.Ordinal);
}
