using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="S3BucketResource"/> → a private S3 bucket (KMS with a bucket key, versioning, TLS only, access logs,
/// lifecycle, CORS for the site's origin). A referencing service's task role gets exactly the object actions its
/// <see cref="BucketAccessAnnotation"/> names (the data plane when none does); the output is the bucket's name. With a
/// <see cref="SignedEdgeDeliveryAnnotation"/>, the delivered objects are also served by CloudFront to signed URLs.
/// </summary>
public sealed class S3BucketTranslator(PlatformStack stack) : AwsResourceTranslator<S3BucketResource>(stack)
{
    /// <summary>Days a deleted or replaced object's bytes are kept as a noncurrent version (the undelete window), in every stage.</summary>
    public const int DeletedMediaRetentionDays = 30;

    /// <summary>Where upload URLs write (the Api's <c>MediaObjectKeys.UploadPrefix</c>).</summary>
    public const string UploadPrefix = "uploads/";

    private readonly Dictionary<S3BucketResource, Bucket> _buckets = [];

    public override void Translate(IReadOnlyList<S3BucketResource> resources)
    {
        foreach (var resource in resources)
        {
            TranslateBucket(resource);
        }

        foreach (var resource in resources)
        {
            if (resource.Annotations.OfType<SignedEdgeDeliveryAnnotation>().SingleOrDefault() is { } delivery)
            {
                DeliverThroughEdge(resource, _buckets[resource], delivery);
            }
        }
    }

    private void TranslateBucket(S3BucketResource resource)
    {
        var id = ServiceConfiguration.Sanitize(resource.Name);
        var bucket = new Bucket(Stack, id, new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.KMS,
            EncryptionKey = Stack.Key,
            BucketKeyEnabled = true,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = Stack.LogsBucket,
            ServerAccessLogsPrefix = $"s3/{resource.Name}/",
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "ArchiveAndClean",
                    // Glacier Instant Retrieval: cheaper storage for old media that the gallery can still show at once
                    // (Flexible Retrieval would make old images unreadable until restored).
                    Transitions = [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(90) }],
                    // A deleted or replaced object's bytes survive as a noncurrent version for exactly this long, in
                    // every stage (docs/security.md, "Uploads: bounded, staged, cleaned"); then S3 removes them.
                    NoncurrentVersionExpiration = Duration.Days(DeletedMediaRetentionDays),
                    // Once the last version is gone, the delete marker left in its place goes too.
                    ExpiredObjectDeleteMarker = true,
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                },
                new LifecycleRule
                {
                    Id = "ExpireUploads",
                    // Upload URLs write only under this prefix, and complete copies what it verified out of it: whatever
                    // is still here after a day (an upload never completed that the Api's sweep missed, a PUT after
                    // complete) is garbage, and so is an open multipart upload. The shorter expiry wins over the rule above.
                    Prefix = UploadPrefix,
                    Expiration = Duration.Days(1),
                    NoncurrentVersionExpiration = Duration.Days(1),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                },
            ],
            // Browsers upload and download with presigned URLs from the site's origin (S3 CORS, as the emulators do locally).
            Cors = resource.CorsOrigins.Count == 0 ? null :
            [
                new CorsRule
                {
                    AllowedOrigins = [Stack.PublicOrigin],
                    AllowedMethods = [HttpMethods.GET, HttpMethods.PUT, HttpMethods.HEAD],
                    AllowedHeaders = ["*"],
                    ExposedHeaders = ["ETag"],
                    MaxAge = 600,
                },
            ],
            RemovalPolicy = PlatformStack.BucketRemovalPolicy,
        });
        // Object events on EventBridge, for whatever reacts to uploads next.
        PlatformStack.SendEventsToEventBridge(bucket);
        Add(bucket, new Suppression("CT.S3.PR.9",
            "People delete their own media, which Object Lock would forbid; versioning with noncurrent-version expiry protects against accidental deletes and overwrites."));
        _buckets[resource] = bucket;
        Stack.Configuration.RegisterOutput(resource.BucketNameOutput, new PlainTaskValue(bucket.BucketName));
    }

    /// <summary>
    /// Signed delivery through CloudFront (docs/aws.md, "Media through CloudFront"): a behavior at <c>{edgePath}/*</c> that
    /// requires CloudFront signed URLs (the stack's key group), whose viewer-request function turns
    /// <c>{edgePath}/{key}</c> into the object key and answers 404 for any key that is not a delivered one, an origin
    /// access control the bucket policy lets read the delivered keys and nothing else, and a cache policy that keeps
    /// the signature out of the cache key and an object no longer than one URL window.
    /// </summary>
    private void DeliverThroughEdge(S3BucketResource resource, Bucket bucket, SignedEdgeDeliveryAnnotation delivery)
    {
        var id = ServiceConfiguration.Sanitize(resource.Name);
        var (keyGroup, publicKey, privateKey) = SigningKey();
        var window = Duration.Seconds(delivery.UrlWindow.TotalSeconds);
        var rewrite = new Amazon.CDK.AWS.CloudFront.Function(Stack, $"{id}EdgeKeys", new FunctionProps
        {
            Comment = $"{resource.Name}: {delivery.EdgePath}/<key> to <key>, for delivered keys only",
            Runtime = FunctionRuntime.JS_2_0,
            Code = FunctionCode.FromInline(EdgeFunctionCode(delivery)),
        });
        var cache = new CachePolicy(Stack, $"{id}EdgeCache", new CachePolicyProps
        {
            Comment = $"{resource.Name}: one URL window at the edge; signature parameters out of the key",
            // The objects are served with Cache-Control: private, which CloudFront caches only for the minimum TTL:
            // minimum, default and maximum are the URL window, so a deleted item's thumbnail leaves the edge within it.
            MinTtl = window,
            DefaultTtl = window,
            MaxTtl = window,
            QueryStringBehavior = CacheQueryStringBehavior.None(),
            HeaderBehavior = CacheHeaderBehavior.None(),
            CookieBehavior = CacheCookieBehavior.None(),
        });
        Stack.Distribution.AddBehavior($"{delivery.EdgePath}/*", S3BucketOrigin.WithOriginAccessControl(bucket, new S3BucketOriginWithOACProps
        {
            OriginAccessLevels = [AccessLevel.READ],
        }), new AddBehaviorOptions
        {
            ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
            CachePolicy = cache,
            TrustedKeyGroups = [keyGroup],
            ResponseHeadersPolicy = Stack.EdgeResponseHeaders,
            FunctionAssociations = [new FunctionAssociation { Function = rewrite, EventType = FunctionEventType.VIEWER_REQUEST }],
            // WebP is compressed already.
            Compress = false,
        });
        // The origin access control's grant (added with it) covers every object; CloudFront may read only the delivered ones.
        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudFrontReadsOnlyDeliveredObjects",
            Effect = Effect.DENY,
            Principals = [new ServicePrincipal("cloudfront.amazonaws.com")],
            Actions = ["s3:GetObject"],
            NotResources = [.. delivery.ObjectPatterns.Select(bucket.ArnForObjects)],
        }));

        Stack.Configuration.RegisterOutput(delivery.BaseUrl, new PlainTaskValue($"{Stack.PublicUrl}{delivery.EdgePath}"));
        Stack.Configuration.RegisterOutput(delivery.KeyPairId, new PlainTaskValue(publicKey.PublicKeyId));
        Stack.Configuration.RegisterOutput(delivery.PrivateKey, new SecretTaskValue(privateKey, null));
    }

    private (KeyGroup KeyGroup, PublicKey PublicKey, ISecret PrivateKey)? _signingKey;

    /// <summary>
    /// The stack's CloudFront key pairs, one per generation of <see cref="AwsDeploymentSettings.EdgeSigningKeys"/>, each made
    /// once by eng/aws/rotate-edge-key.sh (the stack cannot make an RSA key without a Lambda): the public key from SSM at
    /// deploy time (<c>/{stack}/edge-signing/{N}/public-key</c>), the private key a Secrets Manager secret
    /// (<c>{stack}/edge-signing/{N}/private-key</c>) whose ARN is in SSM too. Every generation is in the key group; the Api
    /// signs with the active one.
    /// </summary>
    /// <remarks>
    /// A generation's public key resource, its parameter and its SSM name all carry the generation number: CloudFront
    /// can change only a public key's comment (UpdatePublicKey), so a new key must be a new resource, never new content
    /// for an old one. Rotating is adding a generation, switching the active one, then dropping the old one
    /// (docs/aws.md, "CloudFront signing keys").
    /// </remarks>
    private (KeyGroup KeyGroup, PublicKey PublicKey, ISecret PrivateKey) SigningKey()
    {
        if (_signingKey is { } made)
        {
            return made;
        }

        var settings = Stack.Settings;
        var publicKeys = settings.EdgeSigningKeys.ToDictionary(n => n, n =>
        {
            var parameter = new CfnParameter(Stack, $"EdgeSigningPublicKey{n}", new CfnParameterProps
            {
                Type = "AWS::SSM::Parameter::Value<String>",
                Default = EdgeSigningPublicKeyParameter(Stack.StackName, n),
                Description = $"The SSM parameter holding the PEM public key of signing key generation {n}, which CloudFront checks signed media URLs with (eng/aws/rotate-edge-key.sh makes it).",
            });
            return new PublicKey(Stack, $"EdgeSigningKey{n}", new PublicKeyProps
            {
                EncodedKey = parameter.ValueAsString,
                Comment = $"{Stack.StackName}: signing key generation {n} for the URLs of media delivered through CloudFront",
            });
        });
        var keyGroup = new KeyGroup(Stack, "EdgeSigningKeyGroup", new KeyGroupProps { Items = [.. publicKeys.Values] });
        var active = settings.EdgeSigningActiveKey;
        // By its complete ARN (which ends in six random characters), also from SSM: ECS fetches an ECS secret by exactly
        // the ARN it is given, and a name or partial ARN matches no grant on the secret (aws/aws-cdk#20744).
        var privateKeyArn = new CfnParameter(Stack, $"EdgeSigningPrivateKeyArn{active}", new CfnParameterProps
        {
            Type = "AWS::SSM::Parameter::Value<String>",
            Default = EdgeSigningPrivateKeyArnParameter(Stack.StackName, active),
            Description = $"The SSM parameter holding the ARN of the secret with the PEM private key of signing key generation {active}, the one the Api signs with (eng/aws/rotate-edge-key.sh makes it).",
        });
        var privateKey = Secret.FromSecretCompleteArn(Stack, $"EdgeSigningPrivateKey{active}", privateKeyArn.ValueAsString);
        _signingKey = (keyGroup, publicKeys[active], privateKey);
        return _signingKey.Value;
    }

    public static string EdgeSigningPublicKeyParameter(string stackName, int generation) => $"/{stackName}/edge-signing/{generation}/public-key";

    public static string EdgeSigningPrivateKeyArnParameter(string stackName, int generation) => $"/{stackName}/edge-signing/{generation}/private-key-arn";

    /// <summary>
    /// The viewer-request function (cloudfront-js-2.0): strips the edge path, and lets a request through only for a key
    /// the delivery names (each '*' one path segment); anything else is a 404, never an S3 request.
    /// </summary>
    private static string EdgeFunctionCode(SignedEdgeDeliveryAnnotation delivery)
    {
        var patterns = string.Join(", ", delivery.ObjectPatterns.Select(p =>
            "/^" + string.Join("[^/]+", p.Split('*').Select(part => System.Text.RegularExpressions.Regex.Escape(part).Replace("/", "\\/", StringComparison.Ordinal))) + "$/"));
        return $$"""
            function handler(event) {
              var request = event.request;
              var prefix = '{{delivery.EdgePath}}/';
              var delivered = [{{patterns}}];
              if (request.uri.indexOf(prefix) === 0) {
                var key = request.uri.substring(prefix.length);
                for (var i = 0; i < delivered.length; i++) {
                  if (delivered[i].test(key)) {
                    request.uri = '/' + key;
                    return request;
                  }
                }
              }
              return { statusCode: 404, statusDescription: 'Not Found' };
            }
            """;
    }

    public override void Grant(S3BucketResource resource, ProjectResource service, IRole taskRole)
    {
        var access = service.Annotations.OfType<BucketAccessAnnotation>().Where(a => a.Bucket == resource).ToList();
        foreach (var grant in access.Count > 0 ? access : [new BucketAccessAnnotation(resource, BucketAccess.ReadWrite, [])])
        {
            GrantBucket(taskRole, _buckets[resource], grant);
        }
    }

    // Written out instead of bucket.GrantReadWrite(): that grants action families with wildcards (s3:GetObject*,
    // s3:List*, kms:GenerateDataKey*), and each service gets exactly the actions it uses.
    private void GrantBucket(IRole role, Bucket bucket, BucketAccessAnnotation access)
    {
        var objects = access.KeyPrefixes.Count == 0
            ? [bucket.ArnForObjects("*")]
            : access.KeyPrefixes.Select(p => bucket.ArnForObjects($"{p}*")).ToArray();
        var actions = new List<string>();
        var keyActions = new List<string>();
        if (access.Access is BucketAccess.Read or BucketAccess.ReadWrite)
        {
            actions.Add("s3:GetObject");
            keyActions.Add("kms:Decrypt");
        }

        if (access.Access is BucketAccess.Write or BucketAccess.ReadWrite)
        {
            // Single and multipart uploads (create, parts, complete) are s3:PutObject; an open upload can be aborted.
            actions.AddRange(["s3:PutObject", "s3:AbortMultipartUpload"]);
            keyActions.AddRange(["kms:GenerateDataKey", "kms:Decrypt"]);
        }

        if (access.Access is BucketAccess.ReadWrite)
        {
            actions.Add("s3:DeleteObject");
        }

        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. actions], Resources = objects }));
        // HeadBucket (the services' health check) needs ListBucket on the bucket itself.
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["s3:ListBucket"], Resources = [bucket.BucketArn] }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = [.. keyActions.Distinct()], Resources = [Stack.Key.KeyArn] }));
    }
}
