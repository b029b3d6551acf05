using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>Assertions the review findings of issue 10 share between the dev and the prod stack.</summary>
internal static class StackAssertions
{
    /// <summary>Finding 1: S3 rejects a lifecycle rule whose expiration does not come after its transitions.</summary>
    public static void EveryExpirationComesAfterItsTransitions(JsonObject template)
    {
        foreach (var (id, bucket) in template.Resources("AWS::S3::Bucket"))
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

    /// <summary>Finding 2: a major version RDS still offers for new instances (the list the rule engine-versions reads).</summary>
    public static void TheDatabaseRunsAPostgresMajorRdsOffers(JsonObject template)
    {
        var offered = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "checks", "engine-versions.json")))!["rds"]!["postgres"]!["majors"]!
            .AsArray().Select(v => (string)v!).ToList();
        var instances = template.Resources("AWS::RDS::DBInstance").ToList();
        var primary = Assert.Single(instances, i => i.Properties["SourceDBInstanceIdentifier"] is null).Properties;
        Assert.Equal("postgres", (string?)primary["Engine"]);
        Assert.Equal(Platform.AppHost.Aws.Translators.RdsPostgresTranslator.PostgresMajorVersion, (string?)primary["EngineVersion"]);
        Assert.Contains((string?)primary["EngineVersion"], offered);
        Assert.All(instances.Where(i => i.Properties["SourceDBInstanceIdentifier"] is not null), replica => Assert.Null(replica.Properties["EngineVersion"]));
    }

    /// <summary>Finding 4: the Worker sends a message it can never process to the dead-letter queue itself.</summary>
    public static void TheWorkerMaySendToTheDeadLetterQueue(JsonObject template)
    {
        var deadLetters = template.Id("AWS::SQS::Queue", "MessagingDeadLetters");
        Assert.Contains("sqs:SendMessage", template.ActionsOn(template.Id("AWS::IAM::Role", "WorkerTaskRole"), deadLetters));
        Assert.DoesNotContain("sqs:SendMessage", template.ActionsOn(template.Id("AWS::IAM::Role", "ApiTaskRole"), deadLetters));
        Assert.Contains("kms:GenerateDataKey", template.ActionsOf(template.Id("AWS::IAM::Role", "WorkerTaskRole")));
    }

    /// <summary>Finding 5: the WAF lets through every body the app accepts (64 KiB) and blocks larger ones.</summary>
    public static void TheWafAdmitsEveryBodyTheAppAccepts(JsonObject template)
    {
        var acl = template.Single("AWS::WAFv2::WebACL");
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

    /// <summary>Finding 6: the load balancer and ECS probe liveness, and every service container has a health check.</summary>
    public static void HealthChecksProbeLiveness(JsonObject template)
    {
        Assert.All(template.Resources("AWS::ElasticLoadBalancingV2::TargetGroup"), tg => Assert.Equal("/alive", (string?)tg.Properties["HealthCheckPath"]));
        foreach (var service in new[] { "Api", "Worker", "Web" })
        {
            var command = string.Join(" ", template.Container(service)["HealthCheck"]!["Command"]!.AsArray().Select(c => (string)c!));
            Assert.StartsWith("CMD bash -c", command, StringComparison.Ordinal);
            Assert.Contains("/dev/tcp/127.0.0.1/8080", command, StringComparison.Ordinal);
            Assert.Contains("GET /alive ", command, StringComparison.Ordinal);
        }
    }

    /// <summary>Finding 7: container limits leave the Service Connect proxy its 64 MiB; Web starts after the Api it calls.</summary>
    public static void TasksLeaveTheProxyItsMemoryAndClientsStartAfterTheirServers(JsonObject template)
    {
        foreach (var (_, task) in template.Resources("AWS::ECS::TaskDefinition"))
        {
            var limits = task["ContainerDefinitions"]!.AsArray().Sum(c => (int?)c!["Memory"] ?? 0);
            Assert.True(limits + 64 <= int.Parse((string)task["Memory"]!, System.Globalization.CultureInfo.InvariantCulture),
                $"containers take {limits} MiB of the task's {task["Memory"]}, leaving the Service Connect proxy less than 64 MiB");
        }

        var web = template.Named("AWS::ECS::Service", "WebService").Id;
        var dependsOn = ((JsonObject)template["Resources"]![web]!)["DependsOn"]!.AsArray().Select(d => (string)d!);
        Assert.Contains(template.Named("AWS::ECS::Service", "ApiService").Id, dependsOn);
    }

    /// <summary>
    /// Finding 8: the data key lets CloudTrail describe it and decrypt (S3 Bucket Key) without an encryption context, and
    /// encrypt under the trail's context, each only for this stack's trail.
    /// </summary>
    public static void TheKeyLetsThisTrailDescribeEncryptAndDecrypt(JsonObject template)
    {
        var trail = template.Single("AWS::CloudTrail::Trail");
        var statements = template.Single("AWS::KMS::Key")["KeyPolicy"]!["Statement"]!.AsArray()
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
    /// Finding 3: thumbnails and previews go through a dedicated edge path that no page of the app uses, only with a
    /// CloudFront signed URL, only for their own keys, cached one URL window; Web's /media/{id} pages stay Web's.
    /// </summary>
    public static void MediaGoesThroughASignedEdgePathOnly(JsonObject template, string stackName)
    {
        var distribution = template.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!;
        var behaviors = distribution["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.DoesNotContain(behaviors, b => ((string)b["PathPattern"]!).StartsWith("/media", StringComparison.Ordinal));
        var edge = Assert.Single(behaviors, b => (string?)b["PathPattern"] == "/_edge/*");
        Assert.Equal(template.Id("AWS::CloudFront::KeyGroup", "EdgeSigningKeyGroup"), (string?)edge["TrustedKeyGroups"]![0]!["Ref"]);
        Assert.Equal(["GET", "HEAD"], edge["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        var function = Assert.Single(edge["FunctionAssociations"]!.AsArray());
        Assert.Equal("viewer-request", (string?)function!["EventType"]);
        var code = template.Single("AWS::CloudFront::Function")["FunctionCode"]!.ToString();
        Assert.Contains("var prefix = '/_edge/';", code, StringComparison.Ordinal);
        Assert.Contains(@"/^media\/[^/]+\/[^/]+\/thumb-[^/]+\.webp$/", code, StringComparison.Ordinal);
        Assert.Contains("statusCode: 404", code, StringComparison.Ordinal);

        var cache = template["Resources"]![(string)edge["CachePolicyId"]!["Ref"]!]!["Properties"]!["CachePolicyConfig"]!;
        Assert.Equal(3600, (int)cache["MinTTL"]!);
        Assert.Equal(3600, (int)cache["DefaultTTL"]!);
        Assert.Equal(3600, (int)cache["MaxTTL"]!);
        Assert.Equal("none", (string?)cache["ParametersInCacheKeyAndForwardedToOrigin"]!["QueryStringsConfig"]!["QueryStringBehavior"]);

        // The bucket lets CloudFront read the delivered keys and nothing else.
        var storage = template.Id("AWS::S3::Bucket", "Storage");
        var bucketPolicy = template.Resources("AWS::S3::BucketPolicy").Single(p => (string?)p.Properties["Bucket"]!["Ref"] == storage).Properties;
        var deny = Assert.Single(bucketPolicy["PolicyDocument"]!["Statement"]!.AsArray(), s => (string?)s!["Sid"] == "CloudFrontReadsOnlyDeliveredObjects")!;
        Assert.Equal("Deny", (string?)deny["Effect"]);
        Assert.Contains("/media/*/*/thumb-*.webp", deny["NotResource"]!.ToJsonString(), StringComparison.Ordinal);

        // The Api gets the contract's keys (MediaDelivery), the private key only as an ECS secret.
        var api = template.Container("Api");
        var environment = api.Environment();
        Assert.EndsWith("/_edge", environment["MediaDelivery__CloudFront__BaseUrl"]!.ToJsonString().TrimEnd('"', ']', '}'), StringComparison.Ordinal);
        Assert.Equal(template.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey"), (string?)environment["MediaDelivery__CloudFront__KeyPairId"]!["Ref"]);
        Assert.Equal("01:00:00", (string?)environment["MediaDelivery__UrlWindow"]);
        Assert.Contains($"secret:{stackName}/edge-signing/private-key", api.Secrets()["MediaDelivery__CloudFront__PrivateKey"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(environment.Keys, k => k.Contains("PrivateKey", StringComparison.Ordinal));

        // What eng/aws/one-time-setup.sh makes is what the stack reads.
        Assert.Equal($"/{stackName}/edge-signing/public-key", (string?)template["Parameters"]!["EdgeSigningPublicKey"]!["Default"]);
        Assert.Equal("AWS::SSM::Parameter::Value<String>", (string?)template["Parameters"]!["EdgeSigningPublicKey"]!["Type"]);
        var script = File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "one-time-setup.sh"));
        Assert.Contains("secret=\"$stack/edge-signing/private-key\"", script, StringComparison.Ordinal);
        Assert.Contains("parameter=\"/$stack/edge-signing/public-key\"", script, StringComparison.Ordinal);
    }

    /// <summary>Finding 11: the site's static files are cached at the edge, one entry per version ('v').</summary>
    public static void StaticAssetsAreCachedAtTheEdge(JsonObject template)
    {
        var behaviors = template.Single("AWS::CloudFront::Distribution")["DistributionConfig"]!["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        foreach (var folder in new[] { "/css/*", "/js/*" })
        {
            var behavior = Assert.Single(behaviors, b => (string?)b["PathPattern"] == folder);
            var cache = template["Resources"]![(string)behavior["CachePolicyId"]!["Ref"]!]!["Properties"]!["CachePolicyConfig"]!;
            Assert.True((int)cache["MinTTL"]! >= 86400);
            var keys = cache["ParametersInCacheKeyAndForwardedToOrigin"]!;
            Assert.Equal("whitelist", (string?)keys["QueryStringsConfig"]!["QueryStringBehavior"]);
            Assert.Equal(["v"], keys["QueryStringsConfig"]!["QueryStrings"]!.AsArray().Select(q => (string)q!));
            Assert.Equal(["GET", "HEAD"], behavior["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        }
    }
}
