using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>The dev stage once CloudFront has created its VPC origin's security group, named in the context.</summary>
public sealed class VpcOriginSecurityGroupFixture() : PlatformStackFixture(("vpcOriginSecurityGroupId", "sg-0123456789abcdef0"))
{
    public override string StackName => "Platform-dev";
}

/// <summary>
/// Who may reach the internal load balancer: CloudFront's origin-facing prefix list (what AWS documents for a VPC
/// origin's first deployment) and, once CloudFront has made it, the VPC origin's own security group
/// (CloudFront-VPCOrigins-Service-SG), given by id as a context value: the second step is a context change, not code.
/// </summary>
public sealed class VpcOriginSecurityGroupTests(DevStackFixture dev, VpcOriginSecurityGroupFixture withGroup)
    : IClassFixture<DevStackFixture>, IClassFixture<VpcOriginSecurityGroupFixture>
{
    private static List<JsonObject> LoadBalancerIngress(JsonObject template)
    {
        var (groupId, group) = template.Named("AWS::EC2::SecurityGroup", "LoadBalancerSecurityGroup");
        var inline = (group["SecurityGroupIngress"]?.AsArray() ?? []).Select(r => r!.AsObject());
        var separate = template.Resources("AWS::EC2::SecurityGroupIngress")
            .Where(r => r.Properties["GroupId"]?.ToJsonString().Contains($"\"{groupId}\"", StringComparison.Ordinal) == true)
            .Select(r => r.Properties);
        return [.. inline, .. separate];
    }

    [Fact]
    public void Without_the_group_only_cloudfront_s_origin_facing_prefix_list_is_admitted()
    {
        var ingress = LoadBalancerIngress(dev.Json);

        var rule = Assert.Single(ingress);
        Assert.Equal("pl-3b927c52", (string?)rule["SourcePrefixListId"]);
        Assert.Equal(80, (int)rule["FromPort"]!);
    }

    [Fact]
    public void With_the_group_its_members_are_admitted_on_the_listener_port_beside_the_prefix_list()
    {
        var ingress = LoadBalancerIngress(withGroup.Json);

        Assert.Equal(2, ingress.Count);
        Assert.Contains(ingress, r => (string?)r["SourcePrefixListId"] == "pl-3b927c52");
        var fromGroup = Assert.Single(ingress, r => r["SourceSecurityGroupId"] is not null);
        Assert.Equal("sg-0123456789abcdef0", (string?)fromGroup["SourceSecurityGroupId"]);
        Assert.Equal("tcp", (string?)fromGroup["IpProtocol"]);
        Assert.Equal(80, (int)fromGroup["FromPort"]!);
        Assert.Equal(80, (int)fromGroup["ToPort"]!);
    }
}
