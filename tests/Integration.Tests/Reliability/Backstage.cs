using Amazon.Runtime;
using Amazon.SQS;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Npgsql;

namespace Platform.Integration.Tests.Reliability;

/// <summary>Direct access to what the services use, for tests that arrange or check what no API shows.</summary>
public static class Backstage
{
    public const string QueueName = "media-events";
    public const string DeadLetterQueueName = "media-events-dlq";

    /// <summary>An SQS client for the local emulator (it checks no credentials).</summary>
    public static AmazonSQSClient Sqs(DistributedApplication app) => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
    {
        ServiceURL = app.GetEndpoint("aws-emulator", "http").ToString(),
        AuthenticationRegion = "us-east-1",
    });

    /// <summary>
    /// An open connection to the application's database on the primary. Not pooled: the outage tests kill Postgres, and
    /// a pooled connection would still point at the server that died.
    /// </summary>
    public static async Task<NpgsqlConnection> DatabaseAsync(DistributedApplication app, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync("postgres", ct)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }
}
