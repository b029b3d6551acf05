using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.WAFv2;
using Platform.AppHost.Aws.Translators;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws;

/// <summary>
/// The way in: the load balancer and its listeners (services attach their target groups and rules), CloudFront with
/// the WAF in front of it (translators add their behaviors), and the DNS records of the domain.
/// </summary>
public sealed partial class PlatformStack
{
    public ApplicationLoadBalancer LoadBalancer { get; private set; } = null!;

    /// <summary>The load balancer's security group: services admit traffic from it.</summary>
    public SecurityGroup LoadBalancerGroup { get; private set; } = null!;

    /// <summary>The listener CloudFront reaches (HTTPS with a certificate, else HTTP): services add their routes to it.</summary>
    public ApplicationListener Listener { get; private set; } = null!;

    public Distribution Distribution { get; private set; } = null!;

    /// <summary>The load balancer as CloudFront's origin (the default behavior's), for behaviors that add caching to it.</summary>
    public IOrigin SiteOrigin { get; private set; } = null!;

    /// <summary>
    /// The headers CloudFront adds to every answer, on every behavior (translators pass it to theirs): HSTS, set where
    /// the browser's HTTPS ends (without a certificate the load balancer is reached over plain HTTP, and the app's own
    /// <c>UseHsts</c> stays silent on HTTP; with one, the edge's year replaces the app's 30 days); and <c>nosniff</c>,
    /// which the objects from the bucket lack.
    /// </summary>
    public IResponseHeadersPolicy EdgeResponseHeaders { get; private set; } = null!;

    /// <summary>How long browsers keep to HTTPS for the site after one visit (HSTS max-age): a year, the usual recommendation.</summary>
    public static readonly Duration StrictTransportSecurityMaxAge = Duration.Days(365);

    /// <summary>
    /// The largest request body the app accepts: the Api's limit (Api/Infrastructure/ApiDefaults.MaxRequestBodyBytes,
    /// 64 KiB), which the WAF lets through and no more. The rule waf-body-size checks it against what the running
    /// services report (eng/aws/checks).
    /// </summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    private void CreateLoadBalancer()
    {
        var port = Settings.CertificateArn is null ? 80 : 443;
        LoadBalancerGroup = new SecurityGroup(this, "LoadBalancerSecurityGroup", new SecurityGroupProps
        {
            Vpc = Network,
            Description = $"The internal load balancer: no public address; only CloudFront's VPC origin reaches it, on port {port}.",
            AllowAllOutbound = false,
        });
        // Who may connect: the load balancer is internal, in the app subnets, so nothing on the internet can address it;
        // CloudFront reaches it through the VPC origin (CreateEdge), whose network interfaces CloudFront places in those
        // subnets for this account's VPC origin only. What the rule names is what AWS documents for a VPC origin's first
        // deployment: CloudFront's origin-facing managed prefix list (CloudFront Developer Guide, "Restrict access with VPC
        // origins"). The tighter source, the security group 'CloudFront-VPCOrigins-Service-SG', does not exist until
        // CloudFront creates the VPC origin, and CloudFormation can only name a group by id: admitting it too is a
        // second, later change of context, not code: vpcOriginSecurityGroupId (docs/aws.md, "The edge: CloudFront, VPC origin, WAF"). One port only: the prefix list
        // counts as about 55 rules against the security group's quota of 60.
        LoadBalancerGroup.AddIngressRule(Peer.PrefixList(Settings.CloudFrontOriginPrefixListId), Port.Tcp(port),
            port == 443 ? "HTTPS from CloudFront's VPC origin" : "HTTP from CloudFront's VPC origin, inside the VPC");
        if (Settings.VpcOriginSecurityGroupId is { } vpcOriginGroup)
        {
            // The second step: the VPC origin's own group (vpcOriginSecurityGroupId), once CloudFront has created it.
            LoadBalancerGroup.AddIngressRule(Peer.SecurityGroupId(vpcOriginGroup), Port.Tcp(port),
                "From CloudFront's VPC origin network interfaces (CloudFront-VPCOrigins-Service-SG)");
        }

        // The group's only egress is to the services (added with their target groups): without this inline rule AWS would
        // add its default allow-all egress, because CDK writes those rules as separate resources.
        ((CfnSecurityGroup)LoadBalancerGroup.Node.DefaultChild!).SecurityGroupEgress = new object[]
        {
            new CfnSecurityGroup.EgressProperty { CidrIp = "255.255.255.255/32", IpProtocol = "icmp", FromPort = 252, ToPort = 86, Description = "No traffic: only the rules to the services apply" },
        };

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = Network,
            InternetFacing = false,
            VpcSubnets = AppSubnets,
            SecurityGroup = LoadBalancerGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = Profile.DeletionProtection,
        });
        LoadBalancer.LogAccessLogs(LogsBucket, "alb");
        Listener = CreateListener();
        if (!Profile.DeletionProtection)
        {
            Add(LoadBalancer, new Suppression("CT.ELASTICLOADBALANCING.PR.5", "dev is destroyable by design; prod has deletion protection."));
        }
    }

    /// <summary>
    /// The one listener CloudFront's VPC origin uses: HTTPS with the certificate when one is given; else HTTP, which
    /// never leaves the VPC (CloudFront → VPC origin → load balancer is AWS's private path, not the internet). No HTTP
    /// listener beside HTTPS: nothing could reach it (the security group admits one port), so it would redirect no one.
    /// </summary>
    private ApplicationListener CreateListener()
    {
        var defaultService = Model.Services.Where(s => FargateServiceTranslator.IsPublic(s.Resource) && FargateServiceTranslator.PublicPaths(s.Resource).Count == 0).ToList();
        if (defaultService.Count != 1)
        {
            throw new InvalidOperationException(
                $"The load balancer needs exactly one service with external HTTP endpoints and no public path for '/'; the model has {defaultService.Count}: {string.Join(", ", defaultService.Select(s => s.Name))}.");
        }

        // The default action is the '/' service's, added with it.
        if (Settings.CertificateArn is { } certificate)
        {
            return LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                Open = false,
                Certificates = [ListenerCertificate.FromArn(certificate)],
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
            });
        }

        var http = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps { Port = 80, Open = false });
        Add(http, new Suppression("CT.ELASTICLOADBALANCING.PR.1",
            "Without 'certificateArn' there is no HTTPS listener to redirect to: the load balancer is internal and only CloudFront's VPC origin reaches it, inside the VPC; browsers get HTTPS from CloudFront."));
        return http;
    }

    /// <summary>
    /// The site's origin as browsers see it, for the buckets' CORS rules: the domain when one is given, else any
    /// CloudFront host name (the distribution's own name is not known before the bucket exists: naming it would make a
    /// dependency cycle bucket → distribution → bucket).
    /// </summary>
    public string PublicOrigin => Settings.DomainName is { } domain ? $"https://{domain}" : "https://*.cloudfront.net";

    /// <summary>The public host name: the domain, or the distribution's own name.</summary>
    public string PublicHost => Settings.DomainName ?? Distribution.DistributionDomainName;

    /// <summary>The public URL: the domain, or the distribution's own name.</summary>
    public string PublicUrl => $"https://{PublicHost}";

    /// <summary>The header that carries the public host name to the services when the origin gets a Host of its own.</summary>
    public const string ForwardedHostHeader = "X-Forwarded-Host";

    /// <summary>
    /// What the site's behaviors send to the load balancer: every viewer header, cookie and query string. With HTTPS to
    /// the origin, not the viewer's Host: CloudFront checks the origin's certificate against the Host it sends (CloudFront
    /// Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront"), and the certificate covers
    /// origin.{domain}, not the domain; the public name arrives as X-Forwarded-Host. Over HTTP inside the VPC no
    /// certificate is checked, and the viewer's Host (the distribution's own name) passes unchanged.
    /// </summary>
    private IOriginRequestPolicy SiteOriginRequestPolicy =>
        Settings.CertificateArn is null ? OriginRequestPolicy.ALL_VIEWER : OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER;

    /// <summary>
    /// The load balancer as a CloudFront VPC origin (CloudFront Developer Guide, "Restrict access with VPC origins"):
    /// CloudFront reaches the internal load balancer through network interfaces in the VPC, so no public load balancer
    /// exists to bypass the WAF. Amazon.CDK.Lib 2.160 has no construct for it: the CloudFormation resource, as is.
    /// </summary>
    private CfnResource CreateVpcOrigin() => new(this, "SiteVpcOrigin", new CfnResourceProps
    {
        Type = "AWS::CloudFront::VpcOrigin",
        Properties = new Dictionary<string, object>
        {
            ["VpcOriginEndpointConfig"] = new Dictionary<string, object>
            {
                ["Name"] = $"{StackName}-site",
                ["Arn"] = LoadBalancer.LoadBalancerArn,
                ["HTTPPort"] = 80,
                ["HTTPSPort"] = 443,
                ["OriginProtocolPolicy"] = Settings.CertificateArn is null ? "http-only" : "https-only",
                ["OriginSSLProtocols"] = new[] { "TLSv1.2" },
            },
        },
    });

    /// <summary>
    /// The site's origin becomes the VPC origin: the distribution's first origin (its default behavior's, bound first)
    /// loses the public-origin settings and names the VPC origin instead (the CloudFormation property the 2.160 construct
    /// does not render).
    /// </summary>
    private void UseVpcOrigin(CfnResource vpcOrigin)
    {
        var distribution = (CfnDistribution)Distribution.Node.DefaultChild!;
        distribution.AddPropertyDeletionOverride("DistributionConfig.Origins.0.CustomOriginConfig");
        distribution.AddPropertyOverride("DistributionConfig.Origins.0.VpcOriginConfig", new Dictionary<string, object>
        {
            ["VpcOriginId"] = vpcOrigin.GetAtt("Id"),
            ["OriginReadTimeout"] = 30,
            ["OriginKeepaliveTimeout"] = 5,
        });
    }

    /// <summary>CloudFront in front of everything, with the WAF; translators add behaviors of their own (<see cref="Distribution.AddBehavior(string, IOrigin, IAddBehaviorOptions?)"/>).</summary>
    private void CreateEdge()
    {
        var webAcl = CreateWebAcl();

        var vpcOrigin = CreateVpcOrigin();
        // The name CloudFront connects to and sends as Host (and as TLS SNI): with a certificate origin.{domain}, which
        // the load balancer's certificate covers; else the load balancer's own name, over HTTP inside the VPC.
        var originName = Settings.CertificateArn is null
            ? LoadBalancer.LoadBalancerDnsName
            : $"origin.{Settings.DomainName ?? throw new InvalidOperationException("The CDK context value 'certificateArn' needs 'domainName' too: CloudFront reaches the load balancer as origin.{domainName}, the name its certificate covers.")}";
        // The public host name travels as X-Forwarded-Host, set by CloudFront on every request to this origin (a custom
        // origin header replaces a viewer's header of the same name, so no browser can choose it). Without a domain the
        // public name is the distribution's own, which its origin cannot name (a cycle): Host is forwarded instead.
        var site = new HttpOrigin(originName, new HttpOriginProps
        {
            CustomHeaders = Settings.CertificateArn is null ? null : new Dictionary<string, string> { [ForwardedHostHeader] = PublicHost },
        });

        SiteOrigin = site;
        EdgeResponseHeaders = new ResponseHeadersPolicy(this, "EdgeResponseHeaders", new ResponseHeadersPolicyProps
        {
            Comment = $"Platform {Settings.StageName}: HSTS and nosniff on every answer",
            SecurityHeadersBehavior = new ResponseSecurityHeadersBehavior
            {
                // Not includeSubDomains: the domain's other hosts are not ours to pin to HTTPS.
                StrictTransportSecurity = new ResponseHeadersStrictTransportSecurity { AccessControlMaxAge = StrictTransportSecurityMaxAge, IncludeSubdomains = false, Override = true },
                ContentTypeOptions = new ResponseHeadersContentTypeOptions { Override = true },
            },
        });
        Distribution = new Distribution(this, "Cdn", new DistributionProps
        {
            Comment = $"Platform {Settings.StageName}",
            DefaultBehavior = new BehaviorOptions
            {
                Origin = site,
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_ALL,
                CachePolicy = CachePolicy.CACHING_DISABLED,
                OriginRequestPolicy = SiteOriginRequestPolicy,
                ResponseHeadersPolicy = EdgeResponseHeaders,
                Compress = true,
            },
            WebAclId = webAcl.AttrArn,
            EnableLogging = true,
            LogBucket = LogsBucket,
            LogFilePrefix = "cloudfront/",
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            HttpVersion = HttpVersion.HTTP2_AND_3,
            PriceClass = Profile.EdgePriceClass,
            DomainNames = Settings.DomainName is { } domain ? [domain] : null,
            Certificate = Settings.CloudFrontCertificateArn is { } arn ? Certificate.FromCertificateArn(this, "CdnCertificate", arn) : null,
        });
        UseVpcOrigin(vpcOrigin);
        CreateDnsRecords();
    }

    /// <summary>
    /// Once the translators have added their behaviors: the distribution's policy suppressions (on everything it holds by
    /// then) and its alarm (after the services', the dashboard's order).
    /// </summary>
    private void FinishEdge()
    {
        var nag = new List<Suppression>
        {
            new("AwsSolutions-CFR1", "The media library serves every country; the WAF's IP reputation and rate rules do the filtering."),
            new("CT.CLOUDFRONT.PR.1", "The site's root is the web service (ASP.NET Core answers '/'), not an object in a bucket."),
            new("CT.CLOUDFRONT.PR.4", "One region, one origin per path; the multi-region option (docs/aws.md) adds an origin group with failover."),
        };
        if (Settings.CloudFrontCertificateArn is null)
        {
            const string defaultCertificate = "Without 'domainName' the distribution serves HTTPS on its cloudfront.net name with CloudFront's default certificate, whose TLS policy and SNI cannot be set; with a domain it is the custom certificate, SNI, TLSv1.2_2021.";
            nag.Add(new("AwsSolutions-CFR4", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.6", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.7", defaultCertificate));
            nag.Add(new("CT.CLOUDFRONT.PR.9", defaultCertificate));
        }

        // No suppression for the origin's protocol (AwsSolutions-CFR5, CT.CLOUDFRONT.PR.8): those rules read a custom
        // origin's settings, and the site's origin is a VPC origin (http-only in dev, inside the VPC; https-only with a
        // certificate).
        Add(Distribution, [.. nag]);
        // The key policy lets CloudFront decrypt media for any distribution of this account (the distribution's id is
        // not known before the key exists); only this account's distributions, through OAC, and only GETs.
        Amazon.CDK.Annotations.Of(this).AcknowledgeWarning("@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac",
            "The data key's CloudFront statement is limited to this account's distributions; narrowing it to one id would need a second deployment.");

        WatchEdge();
    }

    /// <summary>The WAF on CloudFront: AWS's managed rule groups, and a per-IP rate limit.</summary>
    private CfnWebACL CreateWebAcl()
    {
        CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
        {
            CloudWatchMetricsEnabled = true,
            MetricName = $"platform-{Settings.StageName}-{name}",
            SampledRequestsEnabled = true,
        };

        CfnWebACL.RuleProperty Managed(string name, int priority, params string[] countOnly) => new()
        {
            Name = name,
            Priority = priority,
            OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
            Statement = new CfnWebACL.StatementProperty
            {
                ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty
                {
                    VendorName = "AWS",
                    Name = name,
                    RuleActionOverrides = countOnly.Length == 0 ? null : countOnly.Select(rule => (object)new CfnWebACL.RuleActionOverrideProperty
                    {
                        Name = rule,
                        ActionToUse = new CfnWebACL.RuleActionProperty { Count = new CfnWebACL.CountActionProperty() },
                    }).ToArray(),
                },
            },
            VisibilityConfig = Visibility(name),
        };

        return new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "CLOUDFRONT",
            Description = $"Platform {Settings.StageName}: managed rules and a rate limit in front of CloudFront.",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("web-acl"),
            // CloudFront forwards the first 16 KB of a body to the WAF by default (AWS WAF Developer Guide, "Body
            // inspection size limits"); the app's largest bodies need the whole of them inspected: 64 KB.
            AssociationConfig = new CfnWebACL.AssociationConfigProperty
            {
                RequestBody = new Dictionary<string, object>
                {
                    ["CLOUDFRONT"] = new CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty { DefaultSizeInspectionLimit = "KB_64" },
                },
            },
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
                new CfnWebACL.RuleProperty
                {
                    // The body limit is the app's own: what the Api accepts (a multipart complete lists up to 500 parts)
                    // passes, anything larger is refused here. A body longer than the inspection limit counts as larger.
                    Name = "BodyLargerThanTheAppAccepts",
                    Priority = 5,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        SizeConstraintStatement = new CfnWebACL.SizeConstraintStatementProperty
                        {
                            FieldToMatch = new CfnWebACL.FieldToMatchProperty { Body = new CfnWebACL.BodyProperty { OversizeHandling = "MATCH" } },
                            ComparisonOperator = "GT",
                            Size = MaxRequestBodyBytes,
                            TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "NONE" } },
                        },
                    },
                    VisibilityConfig = Visibility("body-size"),
                },
                Managed("AWSManagedRulesAmazonIpReputationList", 10),
                // The Core rule set's SizeRestrictions_BODY blocks every body over 8 KB (AWS WAF Developer Guide, "Core
                // rule set (CRS) managed rule group"), which refuses a complete with more than ~130 parts: it only
                // counts here, and BodyLargerThanTheAppAccepts sets the limit instead.
                Managed("AWSManagedRulesCommonRuleSet", 20, "SizeRestrictions_BODY"),
                Managed("AWSManagedRulesKnownBadInputsRuleSet", 30),
            },
        });
    }

    /// <summary>
    /// With a hosted zone: the domain as an alias of CloudFront (A and AAAA), and origin.{domain} of the load balancer:
    /// the name CloudFront sends to the VPC origin and the load balancer's certificate covers. It resolves to private
    /// addresses, which nothing outside the VPC routes to. Simple routing for one region; a second region adds latency
    /// or failover records (docs/aws.md, "From the model to the stack").
    /// </summary>
    private void CreateDnsRecords()
    {
        if (Settings is not { DomainName: { } domain, HostedZoneId: { } zoneId, HostedZoneName: { } zoneName })
        {
            return;
        }

        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = zoneId, ZoneName = zoneName });
        var cdn = RecordTarget.FromAlias(new CloudFrontTarget(Distribution));
        new ARecord(this, "SiteA", new ARecordProps { Zone = zone, RecordName = domain, Target = cdn });
        new AaaaRecord(this, "SiteAaaa", new AaaaRecordProps { Zone = zone, RecordName = domain, Target = cdn });
        if (Settings.CertificateArn is not null)
        {
            new ARecord(this, "OriginA", new ARecordProps
            {
                Zone = zone,
                RecordName = $"origin.{domain}",
                Target = RecordTarget.FromAlias(new LoadBalancerTarget(LoadBalancer)),
            });
        }
    }
}
