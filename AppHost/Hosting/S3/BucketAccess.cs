using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>What a service may do with a bucket's objects in AWS.</summary>
public enum BucketAccess
{
    /// <summary>Get (and HEAD) objects, and presign GETs.</summary>
    Read,

    /// <summary>Put objects, and presign PUTs (including multipart uploads).</summary>
    Write,

    /// <summary>Both, plus deleting objects.</summary>
    ReadWrite,
}

/// <summary>The access a service was given to a bucket (data for the task role's policy in the CDK translation).</summary>
public sealed class BucketAccessAnnotation(S3BucketResource bucket, BucketAccess access, IReadOnlyList<string> keyPrefixes) : IResourceAnnotation
{
    public S3BucketResource Bucket { get; } = bucket;

    public BucketAccess Access { get; } = access;

    /// <summary>Key prefixes the access is limited to; empty for the whole bucket.</summary>
    public IReadOnlyList<string> KeyPrefixes { get; } = keyPrefixes;
}
