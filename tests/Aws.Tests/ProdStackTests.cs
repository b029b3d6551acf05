using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Platform.Aws.Tests;

/// <summary>The prod stage: Multi-AZ, deletion protection, retention, HTTPS to the VPC origin, the public host and DNS.</summary>
public sealed class ProdStackTests(ProdStackFixture stack) : EveryStageStackTests(stack), IClassFixture<ProdStackFixture>
{
    private Template Template => stack.Template;

    [Fact]
    public void The_network_spans_three_zones_with_a_nat_gateway_each()
    {
        Template.ResourceCountIs("AWS::EC2::Subnet", 9);
        Template.ResourceCountIs("AWS::EC2::NatGateway", 3);
    }

    [Fact]
    public void The_database_is_multi_az_protected_and_backed_up()
    {
        var primary = Json.Named("AWS::RDS::DBInstance", "PostgresServer").Properties;
        Assert.True((bool)primary["MultiAZ"]!);
        Assert.True((bool)primary["DeletionProtection"]!);
        Assert.Equal(14, (int)primary["BackupRetentionPeriod"]!);
        var replica = Json.Resources("AWS::RDS::DBInstance").Single(i => i.Properties["SourceDBInstanceIdentifier"] is not null).Properties;
        Assert.True((bool)replica["DeletionProtection"]!);
        var policies = Json["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::RDS::DBInstance" && r.Value["Properties"]?["SourceDBInstanceIdentifier"] is null)
            .Select(r => (string?)r.Value!["DeletionPolicy"]);
        Assert.Contains("Snapshot", policies);
    }

    [Fact]
    public void Redis_is_multi_az_with_automatic_failover()
    {
        var redis = Json.Single("AWS::ElastiCache::ReplicationGroup");
        Assert.Equal(2, (int)redis["NumCacheClusters"]!);
        Assert.True((bool)redis["MultiAZEnabled"]!);
        Assert.True((bool)redis["AutomaticFailoverEnabled"]!);
        Assert.True((int)redis["SnapshotRetentionLimit"]! > 0);
    }

    [Fact]
    public void Data_is_retained_when_the_stack_goes()
    {
        foreach (var type in new[] { "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key" })
        {
            Assert.All(Json["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == type),
                r => Assert.Equal("Retain", (string?)r.Value!["DeletionPolicy"]));
        }

        Assert.True((int)Json.Named("AWS::Logs::LogGroup", "ApiLogs").Properties["RetentionInDays"]! >= 90);
    }

    [Fact]
    public void One_https_listener_with_the_certificate_reached_only_from_cloudfront()
    {
        var listener = Assert.Single(Json.Resources("AWS::ElasticLoadBalancingV2::Listener")).Properties;
        Assert.Equal(443, (int)listener["Port"]!);
        Assert.Equal("HTTPS", (string?)listener["Protocol"]);
        Assert.Contains("certificate/11111111", listener["Certificates"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("internal", (string?)Json.Single("AWS::ElasticLoadBalancingV2::LoadBalancer")["Scheme"]);
        // CloudFront may reach HTTPS only: one prefix-list rule (about 55 entries of the group's quota of 60).
        var ingress = Assert.Single(Json.Resources("AWS::EC2::SecurityGroupIngress"), r => r.Id.StartsWith("LoadBalancerSecurityGroup", StringComparison.Ordinal)).Properties;
        Assert.Equal(443, (int)ingress["FromPort"]!);
        Assert.Equal(443, (int)ingress["ToPort"]!);
        Assert.NotNull(ingress["SourcePrefixListId"]);
    }

    [Fact]
    public void The_domain_is_an_alias_of_cloudfront_which_reaches_the_vpc_origin_over_https_by_the_name_its_certificate_covers()
    {
        var records = Json.Resources("AWS::Route53::RecordSet").Select(r => r.Properties).ToList();
        Assert.Contains(records, r => (string?)r["Name"] == "media.example.com." && (string?)r["Type"] == "A" && r["AliasTarget"]!.ToJsonString().Contains("Cdn", StringComparison.Ordinal));
        Assert.Contains(records, r => (string?)r["Name"] == "media.example.com." && (string?)r["Type"] == "AAAA");
        Assert.Contains(records, r => (string?)r["Name"] == "origin.media.example.com." && r["AliasTarget"]!.ToJsonString().Contains("LoadBalancer", StringComparison.Ordinal));
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        Assert.Equal(["media.example.com"], distribution["Aliases"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("TLSv1.2_2021", (string?)distribution["ViewerCertificate"]!["MinimumProtocolVersion"]);

        var (vpcOriginId, vpcOrigin) = Assert.Single(Json.Resources("AWS::CloudFront::VpcOrigin"));
        Assert.Equal("https-only", (string?)vpcOrigin["VpcOriginEndpointConfig"]!["OriginProtocolPolicy"]);
        Assert.Equal(["TLSv1.2"], vpcOrigin["VpcOriginEndpointConfig"]!["OriginSSLProtocols"]!.AsArray().Select(p => (string)p!));
        var site = distribution["Origins"]!.AsArray().Single(o => o!["DomainName"] is JsonValue name && name.GetValue<string>() == "origin.media.example.com")!;
        Assert.Equal(vpcOriginId, (string?)site["VpcOriginConfig"]!["VpcOriginId"]!["Fn::GetAtt"]![0]);
        Assert.Null(site["CustomOriginConfig"]);
    }

    [Fact]
    public void The_origin_gets_its_own_name_as_host_and_the_services_the_public_one_from_cloudfront()
    {
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        // AllViewerExceptHostHeader: every viewer header but Host, which CloudFront sets to origin.media.example.com.
        Assert.Equal("b689b0a8-53d0-40ab-baf2-68738e2966ac", (string?)distribution["DefaultCacheBehavior"]!["OriginRequestPolicyId"]);
        var site = distribution["Origins"]!.AsArray().Single(o => o!["DomainName"] is JsonValue name && name.GetValue<string>() == "origin.media.example.com")!;
        var header = Assert.Single(site["OriginCustomHeaders"]!.AsArray())!;
        Assert.Equal("X-Forwarded-Host", (string?)header["HeaderName"]);
        Assert.Equal("media.example.com", (string?)header["HeaderValue"]);
        foreach (var service in new[] { "Web", "Api" })
        {
            Assert.Equal("media.example.com", (string?)Json.Container(service).Environment()["ForwardedHeaders__PublicHost"]);
        }
    }

    [Fact]
    public void Services_run_two_tasks_or_more_and_a_deploy_keeps_what_scaling_made()
    {
        // No fixed desired count: an update would reset a scaled-out service to it. The scaling minimum holds the floor.
        Assert.All(Json.Resources("AWS::ECS::Service"), s => Assert.Null(s.Properties["DesiredCount"]));
        Assert.All(Json.Resources("AWS::ApplicationAutoScaling::ScalableTarget"), t => Assert.Equal(2, (int)t.Properties["MinCapacity"]!));
    }

    [Fact]
    public void Alarms_notify_the_on_call_address()
    {
        Template.HasResourceProperties("AWS::SNS::Subscription", new Dictionary<string, object> { ["Protocol"] = "email", ["Endpoint"] = "oncall@example.com", ["TopicArn"] = Match.AnyValue() });
    }
}
