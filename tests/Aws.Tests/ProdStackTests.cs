using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace Platform.Aws.Tests;

/// <summary>The prod stage: Multi-AZ, deletion protection, retention, HTTPS and DNS.</summary>
public sealed class ProdStackTests(ProdStackFixture stack) : ReviewFindings(stack), IClassFixture<ProdStackFixture>
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
    public void Https_listener_with_the_certificate_and_http_redirected()
    {
        var listeners = Json.Resources("AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Properties).ToList();
        var https = Assert.Single(listeners, l => (int)l["Port"]! == 443);
        Assert.Equal("HTTPS", (string?)https["Protocol"]);
        Assert.Contains("certificate/11111111", https["Certificates"]!.ToJsonString(), StringComparison.Ordinal);
        var http = Assert.Single(listeners, l => (int)l["Port"]! == 80);
        // CloudFront may reach HTTPS only: one prefix-list rule (about 55 entries of the group's quota of 60).
        var ingress = Assert.Single(Json.Resources("AWS::EC2::SecurityGroupIngress"), r => r.Properties["SourcePrefixListId"] is not null).Properties;
        Assert.Equal(443, (int)ingress["FromPort"]!);
        Assert.Equal("redirect", (string?)http["DefaultActions"]![0]!["Type"]);
        Assert.Equal("HTTPS", (string?)http["DefaultActions"]![0]!["RedirectConfig"]!["Protocol"]);
    }

    [Fact]
    public void The_domain_is_an_alias_of_cloudfront_which_reaches_the_origin_over_https()
    {
        var records = Json.Resources("AWS::Route53::RecordSet").Select(r => r.Properties).ToList();
        Assert.Contains(records, r => (string?)r["Name"] == "media.example.com." && (string?)r["Type"] == "A" && r["AliasTarget"]!.ToJsonString().Contains("Cdn", StringComparison.Ordinal));
        Assert.Contains(records, r => (string?)r["Name"] == "media.example.com." && (string?)r["Type"] == "AAAA");
        Assert.Contains(records, r => (string?)r["Name"] == "origin.media.example.com." && r["AliasTarget"]!.ToJsonString().Contains("LoadBalancer", StringComparison.Ordinal));
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        Assert.Equal(["media.example.com"], distribution["Aliases"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("TLSv1.2_2021", (string?)distribution["ViewerCertificate"]!["MinimumProtocolVersion"]);
        Assert.Contains(distribution["Origins"]!.AsArray(), o => (string?)o!["DomainName"] == "origin.media.example.com" && (string?)o["CustomOriginConfig"]!["OriginProtocolPolicy"] == "https-only");
    }

    [Fact]
    public void Services_run_two_tasks_or_more()
    {
        Assert.All(Json.Resources("AWS::ECS::Service"), s => Assert.Equal(2, (int)s.Properties["DesiredCount"]!));
        Assert.All(Json.Resources("AWS::ApplicationAutoScaling::ScalableTarget"), t => Assert.Equal(2, (int)t.Properties["MinCapacity"]!));
    }

    [Fact]
    public void Alarms_notify_the_on_call_address()
    {
        Template.HasResourceProperties("AWS::SNS::Subscription", new Dictionary<string, object> { ["Protocol"] = "email", ["Endpoint"] = "oncall@example.com", ["TopicArn"] = Match.AnyValue() });
    }
}
