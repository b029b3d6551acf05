using System.Globalization;

var builder = DistributedApplication.CreateBuilder(args);

// How the system behaves as a whole: a failed dependency stops what waits for it (no hang), the console says when all
// is healthy and why something failed, and publishing writes the AWS stack. Stated here, not inside the Add… calls.
builder.AddPlatformDefaults();

// Data and messaging. Each resource is its AWS service; how it runs on this machine (containers or local processes)
// is decided once, inside the Add… extensions in Hosting/.
// 'postgres' is the schema owner's connection, for the migration only; each service signs in with a role of its own.
var postgres = builder.AddPlatformPostgres("postgres", databaseName: "platform");
var postgresApi = postgres.AddLogin("postgres-api", PostgresHosting.ApiRole);
var postgresWorker = postgres.AddLogin("postgres-worker", PostgresHosting.WorkerRole);
var postgresRead = postgres.AddReadOnlyConnection("postgres-read");
// Each service logs in to Redis as a user of its own, with only its keys and commands (Hosting/Redis/PlatformRedisUsers.cs).
var redis = builder.AddPlatformRedis("redis");
// Thumbnails and previews: in AWS through CloudFront with signed URLs; locally presigned S3 URLs (docs/aws.md, "Media through CloudFront").
var storage = builder.AddS3Bucket("storage", bucketName: "media")
    .WithSignedEdgeDelivery(["media/*/*/thumb-*.webp"]);
var messaging = builder.AddSqsQueue("messaging", queueName: "media-events").WithDeadLetterQueue(maxReceiveCount: 5);

// The largest upload the Api accepts is the largest original the Worker downloads: decided here, given to both.
var maxUploadBytes = (100L * 1024 * 1024).ToString(CultureInfo.InvariantCulture);

// The Api owns the schema. Locally its migration is a short step of its own, which the Api and the Worker wait for;
// in AWS the Api migrates at start.
var migrations = builder.AddSchemaMigration<Projects.Api>("migrations", postgres);

// Services. Each waits only for what it cannot start without, so they start together.
// The access each reference names is what the service's IAM role may do in AWS (least privilege).
var api = builder.AddProject<Projects.Api>("api")
    .WithDatabaseRole(postgresApi, "postgres").WithDatabaseRole(postgresRead, "postgres-read").WithReference(redis.AddServiceUser(PlatformRedisUsers.Api))
    .WithReference(storage, BucketAccess.ReadWrite).WithReference(messaging, QueueAccess.Send)
    .WithEdgeUrlSigning(storage, configurationSection: "MediaDelivery")
    .WithEncryptedDataProtectionKeys()
    .WithEnvironment("Media__MaxUploadBytes", maxUploadBytes)
    .WaitFor(redis).WaitFor(storage).WaitFor(messaging).WaitForSchema(migrations)
    .WithSchemaOwnerAtStart(postgres)
    .WithHttpHealthCheck("/health")
    .WithPublicPath("/api", "/openapi");

builder.AddProject<Projects.Worker>("worker")
    .WithDatabaseRole(postgresWorker, "postgres").WithReference(redis.AddServiceUser(PlatformRedisUsers.Worker))
    .WithReference(storage, BucketAccess.ReadWrite).WithReference(messaging, QueueAccess.Consume)
    .WithEnvironment("Media__MaxUploadBytes", maxUploadBytes)
    .WaitFor(redis).WaitFor(storage).WaitFor(messaging).WaitForSchema(migrations)
    .WithHttpHealthCheck("/health");

// Web calls the Api per request (service discovery knows its address up front): it does not wait for it.
var web = builder.AddProject<Projects.Web>("web")
    .WithExternalHttpEndpoints()
    .WithReference(api).WithReference(redis.AddServiceUser(PlatformRedisUsers.Web))
    .WithEncryptedDataProtectionKeys()
    .WaitFor(redis)
    .WithHttpHealthCheck("/health");

// Browsers upload straight to the bucket from the web origin; the web's Content-Security-Policy admits the bucket.
storage.WithCorsOrigin(web.GetEndpoint("http"));
web.WithBucketOriginInContentSecurityPolicy(storage);

builder.Build().Run();
