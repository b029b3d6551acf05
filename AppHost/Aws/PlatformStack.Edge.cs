using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.WAFv2;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

public sealed partial class PlatformStack
{
    private Distribution? _distribution;

    public Distribution Distribution => _distribution ?? throw new InvalidOperationException("No edge yet.");

    /// <summary>
    /// The site's origin as browsers see it, for the buckets' CORS rules: the domain when one is given, else any
    /// CloudFront host name (the distribution's own name is not known before the bucket exists: naming it would make a
    /// dependency cycle bucket → distribution → bucket).
    /// </summary>
    private string PublicOrigin => _settings.DomainName is { } domain ? $"https://{domain}" : "https://*.cloudfront.net";

    /// <summary>The public URL: the domain, or the distribution's own name.</summary>
    public string PublicUrl => $"https://{_settings.DomainName ?? Distribution.DistributionDomainName}";

    /// <summary>CloudFront in front of everything, with the WAF; media under <c>/{bucket}/*</c> straight from S3 (OAC).</summary>
    private void CreateEdge()
    {
        var webAcl = CreateWebAcl();

        IOrigin site;
        if (_settings.CertificateArn is not null)
        {
            // HTTPS to the load balancer needs a name its certificate covers: origin.{domain}, an alias of the load balancer.
            var originName = $"origin.{_settings.DomainName ?? throw new InvalidOperationException("The CDK context value 'certificateArn' needs 'domainName' too: CloudFront reaches the load balancer as origin.{domainName}.")}";
            site = new HttpOrigin(originName, new HttpOriginProps { ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY, OriginSslProtocols = [OriginSslPolicy.TLS_V1_2] });
        }
        else
        {
            site = new LoadBalancerV2Origin(LoadBalancer, new LoadBalancerV2OriginProps { ProtocolPolicy = OriginProtocolPolicy.HTTP_ONLY });
        }

        var behaviors = new Dictionary<string, IBehaviorOptions>(StringComparer.Ordinal);
        foreach (var (resource, bucket) in _buckets.OrderBy(b => b.Key.Name, StringComparer.Ordinal))
        {
            behaviors[$"/{resource.BucketName}/*"] = new BehaviorOptions
            {
                Origin = S3BucketOrigin.WithOriginAccessControl(bucket),
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                Compress = true,
            };
        }

        _distribution = new Distribution(this, "Cdn", new DistributionProps
        {
            Comment = $"Platform {_settings.StageName}",
            DefaultBehavior = new BehaviorOptions
            {
                Origin = site,
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_ALL,
                CachePolicy = CachePolicy.CACHING_DISABLED,
                OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER,
                Compress = true,
            },
            AdditionalBehaviors = behaviors,
            WebAclId = webAcl.AttrArn,
            EnableLogging = true,
            LogBucket = LogsBucket,
            LogFilePrefix = "cloudfront/",
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            HttpVersion = HttpVersion.HTTP2_AND_3,
            PriceClass = _settings.IsProduction ? PriceClass.PRICE_CLASS_ALL : PriceClass.PRICE_CLASS_100,
            DomainNames = _settings.DomainName is { } domain ? [domain] : null,
            Certificate = _settings.CloudFrontCertificateArn is { } arn ? Certificate.FromCertificateArn(this, "CdnCertificate", arn) : null,
        });
        var nag = new List<Suppression>
        {
            new("AwsSolutions-CFR1", "The media library serves every country; the WAF's IP reputation and rate rules do the filtering."),
            new("CT.CLOUDFRONT.PR.1", "The site's root is the web service (ASP.NET Core answers '/'), not an object in a bucket."),
            new("CT.CLOUDFRONT.PR.4", "One region, one origin per path; the multi-region option (README) adds an origin group with failover."),
        };
        if (_settings.CloudFrontCertificateArn is null)
        {
            const string defaultCertificate = "Without 'domainName' the distribution serves HTTPS on its cloudfront.net name with CloudFront's default certificate, whose TLS policy and SNI cannot be set; with a domain it is the custom certificate, SNI, TLSv1.2_2021.";
            nag.Add(new("AwsSolutions-CFR4", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.6", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.7", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.9", defaultCertificate));
        }

        if (_settings.CertificateArn is null)
        {
            const string httpOrigin = "Without 'certificateArn' CloudFront reaches the load balancer over HTTP inside AWS's network, and only CloudFront's addresses may (security group); with a certificate the origin is HTTPS only.";
            nag.Add(new("AwsSolutions-CFR5", httpOrigin));
            nag.Add(new("CT.CLOUDFRONT.PR.8", httpOrigin));
        }

        Add(_distribution, [.. nag]);
        // The key policy lets CloudFront decrypt media for any distribution of this account (the distribution's id is
        // not known before the key exists); only this account's distributions, through OAC, and only GETs.
        Amazon.CDK.Annotations.Of(this).AcknowledgeWarning("@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
            "The data key's CloudFront statement is limited to this account's distributions; narrowing it to one id would need a second deployment.");

        Watch(_distribution.Metric5xxErrorRate(new Amazon.CDK.AWS.CloudWatch.MetricOptions { Period = Duration.Minutes(5) }),
            "edge 5xx rate", ComparisonOperator.GREATER_THAN_THRESHOLD, 5, "More than 5 % of CloudFront's responses are 5xx.");

        CreateDnsRecords();
    }

    /// <summary>The WAF on CloudFront: AWS's managed rule groups, and a per-IP rate limit.</summary>
    private CfnWebACL CreateWebAcl()
    {
        CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
        {
            CloudWatchMetricsEnabled = true,
            MetricName = $"platform-{_settings.StageName}-{name}",
            SampledRequestsEnabled = true,
        };

        CfnWebACL.RuleProperty Managed(string name, int priority) => new()
        {
            Name = name,
            Priority = priority,
            OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
            Statement = new CfnWebACL.StatementProperty
            {
                ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = name },
            },
            VisibilityConfig = Visibility(name),
        };

        return new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "CLOUDFRONT",
            Description = $"Platform {_settings.StageName}: managed rules and a rate limit in front of CloudFront.",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("web-acl"),
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = "RateLimitPerIp",
                    Priority = 0,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        // Requests per IP in any 5 minutes.
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = 2000, AggregateKeyType = "IP" },
                    },
                    VisibilityConfig = Visibility("rate-limit"),
                },
                Managed("AWSManagedRulesAmazonIpReputationList", 10),
                Managed("AWSManagedRulesCommonRuleSet", 20),
                Managed("AWSManagedRulesKnownBadInputsRuleSet", 30),
            },
        });
    }

    /// <summary>
    /// With a hosted zone: the domain as an alias of CloudFront (A and AAAA), and origin.{domain} of the load balancer.
    /// Simple routing for one region; a second region adds latency or failover records (README, "Multi-region").
    /// </summary>
    private void CreateDnsRecords()
    {
        if (_settings is not { DomainName: { } domain, HostedZoneId: { } zoneId, HostedZoneName: { } zoneName })
        {
            return;
        }

        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = zoneId, ZoneName = zoneName });
        var cdn = RecordTarget.FromAlias(new CloudFrontTarget(Distribution));
        new ARecord(this, "SiteA", new ARecordProps { Zone = zone, RecordName = domain, Target = cdn });
        new AaaaRecord(this, "SiteAaaa", new AaaaRecordProps { Zone = zone, RecordName = domain, Target = cdn });
        if (_settings.CertificateArn is not null)
        {
            new ARecord(this, "OriginA", new ARecordProps
            {
                Zone = zone,
                RecordName = $"origin.{domain}",
                Target = RecordTarget.FromAlias(new LoadBalancerTarget(LoadBalancer)),
            });
        }
    }

    private void CreateDashboard()
    {
        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"Platform-{_settings.StageName}",
            DefaultInterval = Duration.Hours(3),
        });
        dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
        {
            Title = "Alarms",
            Alarms = [.. _alarms],
            Width = 24,
            Height = 4,
        }));
        var graphs = _alarms.Select(alarm => (IWidget)new AlarmWidget(new AlarmWidgetProps { Alarm = alarm, Title = alarm.Node.Id, Width = 8, Height = 6 })).ToArray();
        for (var i = 0; i < graphs.Length; i += 3)
        {
            dashboard.AddWidgets(graphs[i..Math.Min(i + 3, graphs.Length)]);
        }
    }
}
