using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// What every stage's stack must get right to deploy and to run, each a test on the dev and on the prod stack (the
/// derived test classes). eng/aws/checks/selftest.mjs proves the matching checks fail on templates with these faults
/// (fixtures/known-faults.*).
/// </summary>
public abstract class EveryStageStackTests(PlatformStackFixture stack)
{
    protected JsonObject Json => stack.Json;

    /// <summary>S3 rejects a lifecycle rule whose expiration does not come after its transitions.</summary>
    [Fact]
    public void Every_lifecycle_expiration_comes_after_its_transitions_so_s3_accepts_the_bucket()
    {
        foreach (var (id, bucket) in Json.Resources("AWS::S3::Bucket"))
        {
            foreach (var rule in bucket["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [])
            {
                var noncurrentTransitions = (rule!["NoncurrentVersionTransitions"]?.AsArray() ?? []).Select(t => (int)t!["TransitionInDays"]!).ToList();
                if (rule["NoncurrentVersionExpiration"]?["NoncurrentDays"] is { } noncurrentExpiry && noncurrentTransitions.Count > 0)
                {
                    Assert.True((int)noncurrentExpiry > noncurrentTransitions.Max(), $"{id}: old versions expire after {noncurrentExpiry} days, not after their transition on day {noncurrentTransitions.Max()}");
                    Assert.True((int)noncurrentExpiry - noncurrentTransitions.Max() >= 90, $"{id}: old versions leave Glacier before its 90-day minimum");
                }

                var transitions = (rule["Transitions"]?.AsArray() ?? []).Select(t => (int)t!["TransitionInDays"]!).ToList();
                if (rule["ExpirationInDays"] is { } expiry && transitions.Count > 0)
                {
                    Assert.True((int)expiry > transitions.Max(), $"{id}: objects expire after {expiry} days, not after their transition on day {transitions.Max()}");
                }
            }
        }
    }

    /// <summary>A major version RDS still offers for new instances (the list the rule engine-versions reads).</summary>
    [Fact]
    public void The_database_runs_a_postgres_major_version_rds_offers_for_new_instances()
    {
        var offered = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "checks", "engine-versions.json")))!["rds"]!["postgres"]!["majors"]!
            .AsArray().Select(v => (string)v!).ToList();
        var instances = Json.Resources("AWS::RDS::DBInstance").ToList();
        var primary = Assert.Single(instances, i => i.Properties["SourceDBInstanceIdentifier"] is null).Properties;
        Assert.Equal("postgres", (string?)primary["Engine"]);
        Assert.Equal(Platform.AppHost.Aws.Translators.RdsPostgresTranslator.PostgresMajorVersion, (string?)primary["EngineVersion"]);
        Assert.Contains((string?)primary["EngineVersion"], offered);
        Assert.All(instances.Where(i => i.Properties["SourceDBInstanceIdentifier"] is not null), replica => Assert.Null(replica.Properties["EngineVersion"]));
    }

    /// <summary>The Worker sends a message it can never process to the dead-letter queue itself.</summary>
    [Fact]
    public void The_worker_may_send_what_it_cannot_process_to_the_dead_letter_queue()
    {
        var deadLetters = Json.Id("AWS::SQS::Queue", "MessagingDeadLetters");
        Assert.Contains("sqs:SendMessage", Json.ActionsOn(Json.Id("AWS::IAM::Role", "WorkerTaskRole"), deadLetters));
        Assert.DoesNotContain("sqs:SendMessage", Json.ActionsOn(Json.Id("AWS::IAM::Role", "ApiTaskRole"), deadLetters));
        Assert.Contains("kms:GenerateDataKey", Json.ActionsOf(Json.Id("AWS::IAM::Role", "WorkerTaskRole")));
    }

    /// <summary>The WAF lets through every body the app accepts (64 KiB) and blocks larger ones.</summary>
    [Fact]
    public void The_waf_lets_through_every_body_the_app_accepts_and_blocks_larger_ones()
    {
        var acl = Json.Single("AWS::WAFv2::WebACL");
        Assert.Equal("KB_64", (string?)acl["AssociationConfig"]!["RequestBody"]!["CLOUDFRONT"]!["DefaultSizeInspectionLimit"]);
        var rules = acl["Rules"]!.AsArray();
        var crs = rules.Single(r => (string?)r!["Statement"]!["ManagedRuleGroupStatement"]?["Name"] == "AWSManagedRulesCommonRuleSet")!;
        Assert.Contains(crs["Statement"]!["ManagedRuleGroupStatement"]!["RuleActionOverrides"]!.AsArray(),
            o => (string?)o!["Name"] == "SizeRestrictions_BODY" && o["ActionToUse"]!["Count"] is not null);
        var size = rules.Single(r => r!["Statement"]!["SizeConstraintStatement"] is not null)!;
        Assert.NotNull(size["Action"]!["Block"]);
        Assert.Equal(65536, (int)size["Statement"]!["SizeConstraintStatement"]!["Size"]!);
        Assert.Equal("GT", (string?)size["Statement"]!["SizeConstraintStatement"]!["ComparisonOperator"]);
    }

    /// <summary>The load balancer and ECS probe liveness, and every service container has a health check.</summary>
    [Fact]
    public void The_load_balancer_and_every_container_probe_liveness_not_the_dependencies()
    {
        Assert.All(Json.Resources("AWS::ElasticLoadBalancingV2::TargetGroup"), tg => Assert.Equal("/alive", (string?)tg.Properties["HealthCheckPath"]));
        foreach (var service in new[] { "Api", "Worker", "Web" })
        {
            var command = string.Join(" ", Json.Container(service)["HealthCheck"]!["Command"]!.AsArray().Select(c => (string)c!));
            Assert.StartsWith("CMD bash -c", command, StringComparison.Ordinal);
            Assert.Contains("/dev/tcp/127.0.0.1/8080", command, StringComparison.Ordinal);
            Assert.Contains("GET /alive ", command, StringComparison.Ordinal);
        }
    }

    /// <summary>Container limits leave the Service Connect proxy its 64 MiB; Web starts after the Api it calls.</summary>
    [Fact]
    public void Tasks_leave_the_service_connect_proxy_its_memory_and_web_starts_after_the_api_it_calls()
    {
        foreach (var (_, task) in Json.Resources("AWS::ECS::TaskDefinition"))
        {
            var limits = task["ContainerDefinitions"]!.AsArray().Sum(c => (int?)c!["Memory"] ?? 0);
            Assert.True(limits + 64 <= int.Parse((string)task["Memory"]!, System.Globalization.CultureInfo.InvariantCulture),
                $"containers take {limits} MiB of the task's {task["Memory"]}, leaving the Service Connect proxy less than 64 MiB");
        }

        var web = Json.Named("AWS::ECS::Service", "WebService").Id;
        var dependsOn = ((JsonObject)Json["Resources"]![web]!)["DependsOn"]!.AsArray().Select(d => (string)d!);
        Assert.Contains(Json.Named("AWS::ECS::Service", "ApiService").Id, dependsOn);
    }

    /// <summary>
    /// The data key lets CloudTrail describe it and decrypt (S3 Bucket Key) without an encryption context, and
    /// encrypt under the trail's context, each only for this stack's trail.
    /// </summary>
    [Fact]
    public void The_data_key_lets_this_trail_describe_it_encrypt_and_decrypt_so_create_trail_succeeds()
    {
        var trail = Json.Single("AWS::CloudTrail::Trail");
        var statements = Json.Named("AWS::KMS::Key", "DataKey").Properties["KeyPolicy"]!["Statement"]!.AsArray()
            .Select(s => s!.AsObject())
            .Where(s => s["Principal"]?["Service"]?.ToJsonString().Contains("cloudtrail", StringComparison.Ordinal) == true)
            .ToList();
        Assert.NotNull(trail["TrailName"]);
        foreach (var action in new[] { "kms:DescribeKey", "kms:Decrypt" })
        {
            var statement = Assert.Single(statements, s => s.Actions().Contains(action));
            Assert.Null(statement["Condition"]!["StringLike"]);
            Assert.Contains(":trail/", statement["Condition"]!["StringEquals"]!["aws:SourceArn"]!.ToJsonString(), StringComparison.Ordinal);
        }

        var encrypt = Assert.Single(statements, s => s.Actions().Contains("kms:GenerateDataKey*"));
        Assert.NotNull(encrypt["Condition"]!["StringLike"]!["kms:EncryptionContext:aws:cloudtrail:arn"]);
    }

    /// <summary>
    /// Thumbnails and previews go through a dedicated edge path that no page of the app uses, only with a
    /// CloudFront signed URL, only for their own keys, cached one URL window; Web's /media/{id} pages stay Web's.
    /// </summary>
    [Fact]
    public void Thumbnails_go_through_a_signed_edge_path_that_shadows_no_page_and_serves_no_original()
    {
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        var behaviors = distribution["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.DoesNotContain(behaviors, b => ((string)b["PathPattern"]!).StartsWith("/media", StringComparison.Ordinal));
        var edge = Assert.Single(behaviors, b => (string?)b["PathPattern"] == "/_edge/*");
        Assert.Equal(Json.Id("AWS::CloudFront::KeyGroup", "EdgeSigningKeyGroup"), (string?)edge["TrustedKeyGroups"]![0]!["Ref"]);
        Assert.Equal(["GET", "HEAD"], edge["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        var function = Assert.Single(edge["FunctionAssociations"]!.AsArray());
        Assert.Equal("viewer-request", (string?)function!["EventType"]);
        var code = Json.Single("AWS::CloudFront::Function")["FunctionCode"]!.ToString();
        Assert.Contains("var prefix = '/_edge/';", code, StringComparison.Ordinal);
        Assert.Contains(@"/^media\/[^/]+\/[^/]+\/thumb-[^/]+\.webp$/", code, StringComparison.Ordinal);
        Assert.Contains("statusCode: 404", code, StringComparison.Ordinal);

        var cache = Json["Resources"]![(string)edge["CachePolicyId"]!["Ref"]!]!["Properties"]!["CachePolicyConfig"]!;
        Assert.Equal(3600, (int)cache["MinTTL"]!);
        Assert.Equal(3600, (int)cache["DefaultTTL"]!);
        Assert.Equal(3600, (int)cache["MaxTTL"]!);
        Assert.Equal("none", (string?)cache["ParametersInCacheKeyAndForwardedToOrigin"]!["QueryStringsConfig"]!["QueryStringBehavior"]);

        // The bucket lets CloudFront read the delivered keys and nothing else.
        var storage = Json.Id("AWS::S3::Bucket", "Storage");
        var bucketPolicy = Json.Resources("AWS::S3::BucketPolicy").Single(p => (string?)p.Properties["Bucket"]!["Ref"] == storage).Properties;
        var deny = Assert.Single(bucketPolicy["PolicyDocument"]!["Statement"]!.AsArray(), s => (string?)s!["Sid"] == "CloudFrontReadsOnlyDeliveredObjects")!;
        Assert.Equal("Deny", (string?)deny["Effect"]);
        Assert.Contains("/media/*/*/thumb-*.webp", deny["NotResource"]!.ToJsonString(), StringComparison.Ordinal);

        // The Api gets the contract's keys (MediaDelivery), the private key only as an ECS secret.
        var api = Json.Container("Api");
        var environment = api.Environment();
        Assert.EndsWith("/_edge", environment["MediaDelivery__CloudFront__BaseUrl"]!.ToJsonString().TrimEnd('"', ']', '}'), StringComparison.Ordinal);
        Assert.Equal(Json.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey1"), (string?)environment["MediaDelivery__CloudFront__KeyPairId"]!["Ref"]);
        Assert.Equal("01:00:00", (string?)environment["MediaDelivery__UrlWindow"]);
        // By the secret's complete ARN, read from SSM at deploy time: ECS fetches exactly what it is given.
        Assert.Equal("EdgeSigningPrivateKeyArn1", (string?)api.Secrets()["MediaDelivery__CloudFront__PrivateKey"]!["Ref"]);
        Assert.DoesNotContain(environment.Keys, k => k.Contains("PrivateKey", StringComparison.Ordinal));

        // What eng/aws/rotate-edge-key.sh makes (generation 1 by eng/aws/one-time-setup.sh) is what the stack reads.
        Assert.Equal($"/{stack.StackName}/edge-signing/1/public-key", (string?)Json["Parameters"]!["EdgeSigningPublicKey1"]!["Default"]);
        Assert.Equal("AWS::SSM::Parameter::Value<String>", (string?)Json["Parameters"]!["EdgeSigningPublicKey1"]!["Type"]);
        Assert.Equal($"/{stack.StackName}/edge-signing/1/private-key-arn", (string?)Json["Parameters"]!["EdgeSigningPrivateKeyArn1"]!["Default"]);
        var script = File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "rotate-edge-key.sh"));
        Assert.Contains("secret=\"$stack/edge-signing/$generation/private-key\"", script, StringComparison.Ordinal);
        Assert.Contains("parameter=\"/$stack/edge-signing/$generation/public-key\"", script, StringComparison.Ordinal);
        Assert.Contains("secret_arn_parameter=\"/$stack/edge-signing/$generation/private-key-arn\"", script, StringComparison.Ordinal);
    }

    /// <summary>The site's static files are cached at the edge, one entry per version ('v').</summary>
    [Fact]
    public void Static_assets_are_cached_at_the_edge_per_version()
    {
        var behaviors = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        foreach (var folder in new[] { "/css/*", "/js/*" })
        {
            var behavior = Assert.Single(behaviors, b => (string?)b["PathPattern"] == folder);
            var cache = Json["Resources"]![(string)behavior["CachePolicyId"]!["Ref"]!]!["Properties"]!["CachePolicyConfig"]!;
            Assert.True((int)cache["MinTTL"]! >= 86400);
            var keys = cache["ParametersInCacheKeyAndForwardedToOrigin"]!;
            Assert.Equal("whitelist", (string?)keys["QueryStringsConfig"]!["QueryStringBehavior"]);
            Assert.Equal(["v"], keys["QueryStringsConfig"]!["QueryStrings"]!.AsArray().Select(q => (string)q!));
            Assert.Equal(["GET", "HEAD"], behavior["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        }
    }

    /// <summary>
    /// HSTS comes from the edge: the site is HTTPS only at CloudFront (plain HTTP behind it, where the app's UseHsts stays
    /// silent), so every behavior, pages, static files and thumbnails alike, adds it, a year long, without pinning the
    /// domain's other hosts.
    /// </summary>
    [Fact]
    public void Every_answer_through_cloudfront_carries_hsts_for_a_year_and_nosniff()
    {
        var distribution = Json.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        var behaviors = distribution["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).Prepend(distribution["DefaultCacheBehavior"]!.AsObject()).ToList();
        var policy = Json.Id("AWS::CloudFront::ResponseHeadersPolicy", "EdgeResponseHeaders");
        Assert.All(behaviors, b => Assert.Equal(policy, (string?)b["ResponseHeadersPolicyId"]?["Ref"]));

        var headers = Json["Resources"]![policy]!["Properties"]!["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
        var hsts = headers["StrictTransportSecurity"]!;
        Assert.Equal(365 * 24 * 3600, (int)hsts["AccessControlMaxAgeSec"]!);
        Assert.False((bool?)hsts["IncludeSubdomains"] ?? false);
        Assert.True((bool)hsts["Override"]!);
        Assert.True((bool)headers["ContentTypeOptions"]!["Override"]!);
    }
}
