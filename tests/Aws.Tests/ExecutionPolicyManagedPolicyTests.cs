using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// The CloudFormation execution role may attach to the stacks' roles only the AWS managed policies the templates attach:
/// with iam:AttachRolePolicy on role/Platform-* and no condition, whoever changes a template (or the dev GitHub role's
/// change sets) could give a Platform role AdministratorAccess.
/// </summary>
public sealed class ExecutionPolicyManagedPolicyTests(DevStackFixture dev, ProdStackFixture prod) : IClassFixture<DevStackFixture>, IClassFixture<ProdStackFixture>
{
    private static readonly JsonNode Policy = IamPolicy.Load("eng", "aws", "cloudformation-execution-policy.json");

    /// <summary>
    /// What the secret rotation's nested stack attaches: the Serverless Application Repository's rotation application is
    /// a SAM function in the VPC, whose generated role gets AWSLambdaBasicExecutionRole and, with VpcConfig,
    /// AWSLambdaVPCAccessExecutionRole (AWS SAM, AWS::Serverless::Function, "Role" and "VpcConfig"). Its role is named
    /// after the nested stack, Platform-&lt;stage&gt;-…-Rotation…Role-….
    /// </summary>
    private static readonly string[] RotationApplicationPolicies =
    [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    ];

    private static bool MayAttach(string policyArn, string action = "iam:AttachRolePolicy") =>
        IamPolicy.Allows(Policy, action, "arn:aws:iam::123456789012:role/Platform-dev-RoleABC-XYZ", new Dictionary<string, string> { ["iam:PolicyARN"] = policyArn });

    private static IEnumerable<string> ManagedPolicies(JsonObject template) =>
        template.Resources("AWS::IAM::Role")
            .SelectMany(r => r.Properties["ManagedPolicyArns"]?.AsArray() ?? [])
            .Select(arn => arn switch
            {
                JsonObject join when join["Fn::Join"] is JsonArray parts => string.Concat(parts[1]!.AsArray().Select(p => p is JsonObject ? "aws" : (string)p!)),
                _ => (string)arn!,
            });

    [Fact]
    public void Every_managed_policy_the_templates_and_the_rotation_application_attach_may_be_attached_and_detached()
    {
        var attached = dev.App.StackNames.SelectMany(name => ManagedPolicies(dev.App.Json(name)))
            .Concat(ManagedPolicies(prod.Json))
            .Concat(RotationApplicationPolicies)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", attached);
        Assert.All(attached, arn =>
        {
            Assert.True(MayAttach(arn), $"the execution policy must allow attaching {arn}");
            Assert.True(MayAttach(arn, "iam:DetachRolePolicy"), $"the execution policy must allow detaching {arn}");
        });
    }

    [Theory]
    [InlineData("arn:aws:iam::aws:policy/AdministratorAccess")]
    [InlineData("arn:aws:iam::aws:policy/IAMFullAccess")]
    [InlineData("arn:aws:iam::123456789012:policy/AnythingTheAccountHolds")]
    public void No_other_policy_may_be_attached_to_a_platform_role(string policyArn)
    {
        Assert.False(MayAttach(policyArn), $"the execution policy lets CloudFormation attach {policyArn} to a Platform role");
    }
}
