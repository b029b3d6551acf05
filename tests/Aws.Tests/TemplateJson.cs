using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>Small queries over a CloudFormation template's JSON, for what CDK's Match patterns express poorly.</summary>
internal static class TemplateJson
{
    public static IEnumerable<(string Id, JsonObject Properties)> Resources(this JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => (r.Key, r.Value!["Properties"]?.AsObject() ?? []));

    public static JsonObject Single(this JsonObject template, string type) => Assert.Single(template.Resources(type)).Properties;

    /// <summary>The resource whose logical id is <paramref name="name"/>, plus CDK's 8-character hash for nested constructs.</summary>
    public static (string Id, JsonObject Properties) Named(this JsonObject template, string type, string name) =>
        Assert.Single(template.Resources(type), r => r.Id == name || (r.Id.Length == name.Length + 8 && r.Id.StartsWith(name, StringComparison.Ordinal)
            && r.Id[name.Length..].All(char.IsAsciiHexDigitUpper)));

    public static string Id(this JsonObject template, string type, string name) => template.Named(type, name).Id;

    /// <summary>Every Allow statement of the identity policies (AWS::IAM::Policy and roles' inline policies).</summary>
    public static IEnumerable<(string Policy, JsonObject Statement)> IdentityStatements(this JsonObject template)
    {
        foreach (var (id, properties) in template.Resources("AWS::IAM::Policy"))
        {
            foreach (var statement in properties["PolicyDocument"]!["Statement"]!.AsArray())
            {
                yield return (id, statement!.AsObject());
            }
        }

        foreach (var (id, properties) in template.Resources("AWS::IAM::Role"))
        {
            foreach (var policy in properties["Policies"]?.AsArray() ?? [])
            {
                foreach (var statement in policy!["PolicyDocument"]!["Statement"]!.AsArray())
                {
                    yield return (id, statement!.AsObject());
                }
            }
        }
    }

    public static IReadOnlyList<string> Actions(this JsonObject statement) => statement["Action"] switch
    {
        JsonArray list => list.Select(a => (string)a!).ToList(),
        JsonNode single => [(string)single!],
        _ => [],
    };

    /// <summary>The actions a role's attached policies allow.</summary>
    public static ISet<string> ActionsOf(this JsonObject template, string roleId) =>
        template.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray())
            .SelectMany(s => s!.AsObject().Actions())
            .ToHashSet(StringComparer.Ordinal);

    public static JsonObject Container(this JsonObject template, string service, string container = "app") =>
        template.Named("AWS::ECS::TaskDefinition", $"{service}Task").Properties["ContainerDefinitions"]!.AsArray()
            .Single(c => (string?)c!["Name"] == container)!.AsObject();

    public static Dictionary<string, JsonNode?> Environment(this JsonObject container) =>
        (container["Environment"]?.AsArray() ?? []).ToDictionary(e => (string)e!["Name"]!, e => e!["Value"]);

    public static Dictionary<string, JsonNode?> Secrets(this JsonObject container) =>
        (container["Secrets"]?.AsArray() ?? []).ToDictionary(e => (string)e!["Name"]!, e => e!["ValueFrom"]);

    /// <summary>The security group ingress rules as (target group id, source group id, port).</summary>
    public static ISet<(string Target, string Source, int Port)> IngressRules(this JsonObject template) =>
        template.Resources("AWS::EC2::SecurityGroupIngress")
            .Where(r => r.Properties["SourceSecurityGroupId"] is not null)
            .Select(r => ((string)r.Properties["GroupId"]!["Fn::GetAtt"]![0]!, (string)r.Properties["SourceSecurityGroupId"]!["Fn::GetAtt"]![0]!, (int)r.Properties["FromPort"]!))
            .ToHashSet();

    /// <summary>The actions a role's attached policies allow on one resource (a logical id its statements name).</summary>
    public static ISet<string> ActionsOn(this JsonObject template, string roleId, string resourceId) =>
        template.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(s => s!["Resource"]!.ToJsonString().Contains($"\"{resourceId}\"", StringComparison.Ordinal))
            .SelectMany(s => s!.AsObject().Actions())
            .ToHashSet(StringComparer.Ordinal);
}
