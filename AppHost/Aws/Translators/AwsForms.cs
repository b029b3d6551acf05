using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// Marks a resource with the translator of its AWS form (<see cref="AwsFormAnnotation"/>), called by the resource's
/// <c>Add…</c> extension on its publish path. Methods of their own, so that building a model to run never loads the
/// CDK: naming a translator type loads Amazon.CDK.Lib, and only a called method is compiled.
/// </summary>
public static class AwsForms
{
    public static IResourceBuilder<RdsPostgresResource> PublishAsRdsPostgres(this IResourceBuilder<RdsPostgresResource> builder) =>
        builder.WithAnnotation(AwsFormAnnotation.Of<RdsPostgresTranslator>());

    public static IResourceBuilder<ElastiCacheRedisResource> PublishAsElastiCacheRedis(this IResourceBuilder<ElastiCacheRedisResource> builder) =>
        builder.WithAnnotation(AwsFormAnnotation.Of<ElastiCacheRedisTranslator>());

    public static IResourceBuilder<S3BucketResource> PublishAsS3Bucket(this IResourceBuilder<S3BucketResource> builder) =>
        builder.WithAnnotation(AwsFormAnnotation.Of<S3BucketTranslator>());

    public static IResourceBuilder<SqsQueueResource> PublishAsSqsQueue(this IResourceBuilder<SqsQueueResource> builder) =>
        builder.WithAnnotation(AwsFormAnnotation.Of<SqsQueueTranslator>());
}
