namespace Platform.AppHost.Hosting;

/// <summary>How the AWS-shaped resources (Postgres, Redis, S3, SQS) run when the AppHost runs on a developer's machine.</summary>
public enum LocalRuntimeKind
{
    /// <summary>Containers: Aspire's Postgres and Redis integrations and a pinned LocalStack image for S3/SQS.</summary>
    Containers,

    /// <summary>Local processes: Debian's PostgreSQL and redis-server, and fauxqs (npm) for S3/SQS.</summary>
    Processes,

    /// <summary>
    /// The real S3 bucket and SQS queues of a deployed stack (its outputs read through a CloudFormation stack reference),
    /// with Postgres and Redis still local (containers when an engine answers, else processes): RDS and ElastiCache sit in
    /// isolated subnets no laptop reaches.
    /// </summary>
    Aws,
}
