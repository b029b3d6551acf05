using System.Text.Json.Nodes;
using Platform.Caching;

namespace Platform.Aws.Tests;

/// <summary>
/// Redis in the stack as a reviewer checks it: role-based access control with one ElastiCache user per service, each
/// task given only its own user's password (as an ECS secret from that user's secret), and nobody the default user.
/// </summary>
public sealed class RedisIdentityStackTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    private static readonly string[] Services = ["Api", "Worker", "Web"];

    private JsonObject Json => stack.Json;

    [Fact]
    public void The_replication_group_uses_a_user_group_of_one_user_per_service_and_a_default_user_that_is_off()
    {
        var group = Json.Single("AWS::ElastiCache::ReplicationGroup");
        Assert.Null(group["AuthToken"]);
        var (groupId, userGroup) = Assert.Single(Json.Resources("AWS::ElastiCache::UserGroup"));
        Assert.Equal(groupId, (string?)Assert.Single(group["UserGroupIds"]!.AsArray())!["Ref"]);

        var members = userGroup["UserIds"]!.AsArray().Select(u => (string)u!["Ref"]!).ToHashSet();
        var users = Json.Resources("AWS::ElastiCache::User").ToDictionary(u => (string)u.Properties["UserName"]!, u => u);
        Assert.Equal(["api", "default", "web", "worker"], users.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(users.Values.Select(u => u.Id).ToHashSet(), members);
        Assert.StartsWith("off ", (string)users["default"].Properties["AccessString"]!, StringComparison.Ordinal);
        foreach (var (name, user) in users)
        {
            Assert.Equal("password", (string?)user.Properties["AuthenticationMode"]!["Type"]);
            Assert.Contains("{{resolve:secretsmanager:", user.Properties["AuthenticationMode"]!["Passwords"]!.ToJsonString(), StringComparison.Ordinal);
            if (name != "default")
            {
                var access = (string)user.Properties["AccessString"]!;
                Assert.Contains("-@all", access, StringComparison.Ordinal);
                Assert.DoesNotContain("~*", access, StringComparison.Ordinal);
                Assert.DoesNotContain("+@", access, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Only_the_api_and_web_users_reach_their_key_rings_and_the_worker_only_writes_owner_stamps()
    {
        var access = Json.Resources("AWS::ElastiCache::User").ToDictionary(u => (string)u.Properties["UserName"]!, u => (string)u.Properties["AccessString"]!);

        Assert.Contains("~platform:api:*", access["api"], StringComparison.Ordinal);
        Assert.Contains("~platform:web:*", access["web"], StringComparison.Ordinal);
        Assert.DoesNotContain("platform:", access["worker"], StringComparison.Ordinal);
        Assert.DoesNotContain("platform:api", access["web"], StringComparison.Ordinal);
        Assert.DoesNotContain("platform:web", access["api"], StringComparison.Ordinal);
        Assert.Equal(["~" + MediaCacheKeys.StampPattern], access["worker"].Split(' ').Where(t => t.StartsWith('~')));
        Assert.DoesNotContain("+lrange", access["worker"], StringComparison.Ordinal);
        Assert.DoesNotContain("+hget", access["worker"], StringComparison.Ordinal);
    }

    [Fact]
    public void Each_task_gets_only_its_own_users_password_as_an_ecs_secret_and_a_connection_string_without_one()
    {
        var userOfSecret = Json.Resources("AWS::ElastiCache::User")
            .ToDictionary(u => SecretIn(u.Properties["AuthenticationMode"]!["Passwords"]!), u => (string)u.Properties["UserName"]!);
        foreach (var service in Services)
        {
            var container = Json.Container(service);
            var connection = (container.Environment()["ConnectionStrings__redis"] ?? throw new InvalidOperationException($"{service}: no ConnectionStrings__redis")).ToJsonString();
            Assert.Contains($"user={service.ToLowerInvariant()}", connection, StringComparison.Ordinal);
            Assert.Contains("ssl=true", connection, StringComparison.Ordinal);
            Assert.DoesNotContain("password", connection, StringComparison.OrdinalIgnoreCase);

            var redisSecrets = container.Secrets().Where(s => s.Value!.ToJsonString().Contains("Redis", StringComparison.Ordinal)).ToList();
            var (key, valueFrom) = Assert.Single(redisSecrets);
            Assert.Equal("Aspire__StackExchange__Redis__redis__ConfigurationOptions__Password", key);
            // Straight from the user's own secret (its "password" field), not a secret assembled by dynamic references.
            Assert.Contains(":password::", valueFrom!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(service.ToLowerInvariant(), userOfSecret[SecretIn(valueFrom!)]);
        }
    }

    /// <summary>The logical id of the Secrets Manager secret a value refers to (a Ref, or a dynamic reference built on one).</summary>
    private string SecretIn(JsonNode value)
    {
        var secrets = Json.Resources("AWS::SecretsManager::Secret").Select(s => s.Id).ToList();
        var text = value.ToJsonString();
        return Assert.Single(secrets, id => text.Contains($"\"{id}\"", StringComparison.Ordinal));
    }
}
