using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// The database's credentials as an AWS reviewer checks them: the master password rotates and reaches only the schema
/// migration (the Api at start, as an ECS secret read when a task starts), each service signs in as a role of its own
/// with IAM database authentication, and each task role may connect as exactly its own roles.
/// </summary>
public sealed class DatabaseCredentialTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    private JsonObject Json => stack.Json;

    /// <summary>The master secret and what stands for it (the attachment CDK makes): the ids a reference to it names.</summary>
    private HashSet<string> MasterSecretIds()
    {
        var instance = Json.Named("AWS::RDS::DBInstance", "PostgresServer").Properties;
        var ids = Json["Resources"]!.AsObject().Select(r => r.Key)
            .Where(id => instance["MasterUserPassword"]!.ToJsonString().Contains($"\"{id}\"", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(ids);
        ids.UnionWith(Json.Resources("AWS::SecretsManager::SecretTargetAttachment")
            .Where(a => ids.Any(id => a.Properties["SecretId"]!.ToJsonString().Contains($"\"{id}\"", StringComparison.Ordinal)))
            .Select(a => a.Id));
        return ids;
    }

    private static bool Names(JsonNode? node, IEnumerable<string> ids) =>
        node is not null && ids.Any(id => node.ToJsonString().Contains($"\"{id}\"", StringComparison.Ordinal));

    [Fact]
    public void The_master_password_is_rotated_by_secrets_managers_hosted_postgres_rotation()
    {
        var master = MasterSecretIds();

        var rotation = Assert.Single(Json.Resources("AWS::SecretsManager::RotationSchedule"), r => Names(r.Properties["SecretId"], master)).Properties;

        Assert.Equal("PostgreSQLSingleUser", (string?)rotation["HostedRotationLambda"]!["RotationType"]);
        Assert.Contains("30", rotation["RotationRules"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_apis_migration_password_comes_from_the_master_secret_and_as_an_ecs_secret()
    {
        var master = MasterSecretIds();

        Assert.DoesNotContain(Json.Container("Worker").Secrets().Values, v => Names(v, master));
        var api = Json.Container("Api").Secrets();
        Assert.Equal(["Database__OwnerPassword"], api.Where(s => Names(s.Value, master)).Select(s => s.Key));
        Assert.EndsWith(":password::", api["Database__OwnerPassword"]!.ToJsonString().Replace("\"]]}", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void No_secret_is_assembled_from_the_master_secret_by_a_dynamic_reference_that_a_rotation_would_leave_stale()
    {
        var master = MasterSecretIds();

        Assert.DoesNotContain(Json.Resources("AWS::SecretsManager::Secret"),
            s => s.Properties["SecretString"] is { } value && value.ToJsonString().Contains("resolve:secretsmanager", StringComparison.Ordinal) && Names(value, master));
    }

    [Theory]
    [InlineData("Api", "postgres", "platform_api")]
    [InlineData("Api", "postgres-read", "platform_reader")]
    [InlineData("Worker", "postgres", "platform_worker")]
    public void Each_service_connects_as_its_own_role_with_iam_tokens_and_no_password(string service, string connection, string role)
    {
        var container = Json.Container(service);

        var connectionString = container.Environment()[$"ConnectionStrings__{connection}"]!.ToJsonString();
        Assert.Contains($"Username={role};", connectionString, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", connectionString, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("true", (string?)container.Environment()["Database__IamAuthentication"]);
        Assert.DoesNotContain($"ConnectionStrings__{connection}", container.Secrets().Keys);
    }

    [Theory]
    [InlineData("Api", new[] { "platform_api", "platform_reader" })]
    [InlineData("Worker", new[] { "platform_worker" })]
    public void Each_task_role_may_connect_as_exactly_its_own_database_roles(string service, string[] roles)
    {
        var taskRole = Json.Id("AWS::IAM::Role", $"{service}TaskRole");
        var resources = Json.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == taskRole))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
            .Where(s => s.Actions().Contains("rds-db:connect"))
            .SelectMany(s => s["Resource"] is JsonArray list ? list.Select(r => r!.ToJsonString()) : [s["Resource"]!.ToJsonString()])
            .ToList();

        var users = resources.Select(r => System.Text.RegularExpressions.Regex.Match(r, @"/(?<user>[a-z_]+)""\]\]\}$").Groups["user"].Value).ToList();
        Assert.Equal(roles.Order(StringComparer.Ordinal), users.Order(StringComparer.Ordinal));
        Assert.All(resources, r => Assert.Contains(":dbuser:", r, StringComparison.Ordinal));
        // dbuser:<DbiResourceId>/<user>, of the instance connected to (a replica's own): an instance ARN there matches no sign-in.
        Assert.All(resources, r => Assert.Contains("\"DbiResourceId\"]}", r, StringComparison.Ordinal));
        Assert.DoesNotContain(resources, r => r.Contains("*", StringComparison.Ordinal));
    }
}
