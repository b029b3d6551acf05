using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using static Platform.AppHost.Aws.PolicySuppressions;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// <see cref="S3BucketResource"/> → a private S3 bucket (KMS with a bucket key, versioning, TLS only, access logs,
/// lifecycle, CORS for the site's origin). A referencing service's task role gets exactly the object actions its
/// <see cref="BucketAccessAnnotation"/> names (the data plane when none does); the output is the bucket's name.
/// </summary>
public sealed class S3BucketTranslator(PlatformStack stack) : AwsResourceTranslator<S3BucketResource>(stack)
{
    private readonly Dictionary<S3BucketResource, Bucket> _buckets = [];

    public Bucket BucketOf(S3BucketResource resource) => _buckets[resource];

    public override void Translate(IReadOnlyList<S3BucketResource> resources)
    {
        foreach (var resource in resources)
        {
            TranslateBucket(resource);
        }

        foreach (var (resource, bucket) in _buckets.OrderBy(b => b.Key.Name, StringComparer.Ordinal))
        {
            Stack.Distribution.AddBehavior($"/{resource.BucketName}/*", S3BucketOrigin.WithOriginAccessControl(bucket), new AddBehaviorOptions
            {
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                Compress = true,
            });
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
                    NoncurrentVersionTransitions = Profile.NoncurrentMediaArchiveDays is { } archive
                        ? [new NoncurrentVersionTransition { StorageClass = StorageClass.GLACIER, TransitionAfter = Duration.Days(archive) }]
                        : null,
                    NoncurrentVersionExpiration = Duration.Days(Profile.NoncurrentMediaDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
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
            actions.AddRange(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
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
