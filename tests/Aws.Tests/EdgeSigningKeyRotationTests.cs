using System.Text.Json.Nodes;
using Platform.AppHost.Aws;

namespace Platform.Aws.Tests;

/// <summary>
/// Two steps of a CloudFront signing key rotation, each synthesized once: generations 1 and 2 in the key group with 1
/// still signing, then generations 2 and 3 with the default active one (the last).
/// </summary>
public sealed class EdgeSigningRotationFixture : IAsyncLifetime
{
    private SynthesizedApp? _joining;
    private SynthesizedApp? _rotated;

    /// <summary>edgeSigningKeys=1,2, edgeSigningActiveKey=1: generation 2 joins the group, 1 still signs.</summary>
    public JsonObject Joining { get; private set; } = null!;

    /// <summary>edgeSigningKeys=2,3: generation 1 has left, 3 signs (the default active key is the last).</summary>
    public JsonObject Rotated { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await using var model = await Synthesis.RealModelAsync();
        _joining = await Synthesis.SynthesizeAsync(model.Resources, ("edgeSigningKeys", "1,2"), ("edgeSigningActiveKey", "1"));
        Joining = _joining.Json("Platform-dev");
        _rotated = await Synthesis.SynthesizeAsync(model.Resources, ("edgeSigningKeys", "2,3"));
        Rotated = _rotated.Json("Platform-dev");
    }

    public ValueTask DisposeAsync()
    {
        foreach (var app in new[] { _joining, _rotated })
        {
            if (app is not null)
            {
                Directory.Delete(app.OutputDirectory, recursive: true);
            }
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// CloudFront can change only a public key's comment, so a new signing key must be a new public key resource: each key
/// generation is one, bound 1:1 to its own SSM parameter, all of them in the key group, the Api signing with the active one.
/// </summary>
public sealed class EdgeSigningKeyRotationTests(EdgeSigningRotationFixture rotation) : IClassFixture<EdgeSigningRotationFixture>
{
    [Fact]
    public void Two_generations_are_two_public_keys_in_the_one_key_group_and_the_api_signs_with_the_active_one()
    {
        var json = rotation.Joining;
        var keys = json.Resources("AWS::CloudFront::PublicKey").Select(k => k.Id).ToList();
        Assert.Equal(2, keys.Count);
        var first = json.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey1");
        var second = json.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey2");
        var group = json.Single("AWS::CloudFront::KeyGroup")["KeyGroupConfig"]!["Items"]!.AsArray().Select(i => (string?)i!["Ref"]);
        Assert.Equal([first, second], group.Order(StringComparer.Ordinal));

        var api = json.Container("Api");
        Assert.Equal(first, (string?)api.Environment()["MediaDelivery__CloudFront__KeyPairId"]!["Ref"]);
        var privateKey = (string?)api.Secrets()["MediaDelivery__CloudFront__PrivateKey"]!["Ref"];
        Assert.Equal("EdgeSigningPrivateKeyArn1", privateKey);
        Assert.Equal("/Platform-dev/edge-signing/1/private-key-arn", (string?)json["Parameters"]![privateKey!]!["Default"]);
        // Only the active generation's private key reaches a task.
        Assert.DoesNotContain(json["Parameters"]!.AsObject(), p => p.Key.StartsWith("EdgeSigningPrivateKeyArn2", StringComparison.Ordinal));
    }

    [Fact]
    public void By_default_the_last_generation_signs()
    {
        var json = rotation.Rotated;
        Assert.Equal(
            json.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey3"),
            (string?)json.Container("Api").Environment()["MediaDelivery__CloudFront__KeyPairId"]!["Ref"]);
        Assert.Equal("EdgeSigningPrivateKeyArn3", (string?)json.Container("Api").Secrets()["MediaDelivery__CloudFront__PrivateKey"]!["Ref"]);
        // Generation 1 has left the group, and with it its public key resource (CloudFormation deletes it).
        Assert.DoesNotContain(json.Resources("AWS::CloudFront::PublicKey"), k => k.Id.StartsWith("EdgeSigningKey1", StringComparison.Ordinal));
    }

    /// <summary>
    /// The invariant that keeps every rotation step an addition or a removal: a public key resource present before and
    /// after a step reads its PEM from the same SSM parameter, whose name carries the key's generation, used by no other key.
    /// </summary>
    [Fact]
    public void A_rotation_step_never_changes_where_an_existing_public_key_reads_its_pem()
    {
        var before = Sources(rotation.Joining);
        var after = Sources(rotation.Rotated);
        var kept = before.Keys.Intersect(after.Keys).ToList();
        Assert.Equal([rotation.Joining.Id("AWS::CloudFront::PublicKey", "EdgeSigningKey2")], kept);
        foreach (var id in kept)
        {
            Assert.Equal(before[id], after[id]);
        }

        foreach (var sources in new[] { before, after })
        {
            Assert.Equal(sources.Count, sources.Values.Distinct().Count());
            foreach (var (id, (_, ssmName)) in sources)
            {
                var generation = id["EdgeSigningKey".Length..^8];
                Assert.Equal($"/Platform-dev/edge-signing/{generation}/public-key", ssmName);
            }
        }
    }

    /// <summary>Each public key: (the parameter its EncodedKey reads, that parameter's SSM name).</summary>
    private static Dictionary<string, (string Parameter, string SsmName)> Sources(JsonObject json) =>
        json.Resources("AWS::CloudFront::PublicKey").ToDictionary(k => k.Id, k =>
        {
            var parameter = (string)k.Properties["PublicKeyConfig"]!["EncodedKey"]!["Ref"]!;
            var definition = json["Parameters"]![parameter]!;
            Assert.Equal("AWS::SSM::Parameter::Value<String>", (string?)definition["Type"]);
            return (parameter, (string)definition["Default"]!);
        });

    private static readonly Dictionary<string, object> Defaults = new()
    {
        ["stage"] = "dev",
        ["region"] = "us-east-1",
        ["cloudFrontOriginPrefixListId"] = "pl-3b927c52",
        ["githubRepository"] = "example-org/platform",
    };

    private static AwsDeploymentSettings Settings(string? keys, string? active)
    {
        var context = new Dictionary<string, object?>(Defaults!) { ["edgeSigningKeys"] = keys, ["edgeSigningActiveKey"] = active };
        return AwsDeploymentSettings.FromContext(key => context.GetValueOrDefault(key));
    }

    [Fact]
    public void Without_the_context_values_generation_1_is_the_one_key_and_signs()
    {
        var settings = Settings(null, null);

        Assert.Equal([1], settings.EdgeSigningKeys);
        Assert.Equal(1, settings.EdgeSigningActiveKey);
        Assert.Equal(2, Settings(" 1, 2 ", null).EdgeSigningActiveKey);
    }

    [Theory]
    [InlineData("1,2", "3", "'edgeSigningActiveKey' is 3, which is not one of 'edgeSigningKeys' (1,2)")]
    [InlineData("1,2,3", null, "'edgeSigningKeys' is '1,2,3': at most 2 signing key generations")]
    [InlineData("0", null, "'edgeSigningKeys' has '0', which is not a positive whole number")]
    [InlineData("1,-2", null, "'edgeSigningKeys' has '-2', which is not a positive whole number")]
    [InlineData("1,two", null, "'edgeSigningKeys' has 'two', which is not a positive whole number")]
    [InlineData("1,", null, "'edgeSigningKeys' has '', which is not a positive whole number")]
    [InlineData("2,2", null, "'edgeSigningKeys' is '2,2', which names a generation twice")]
    [InlineData("1,2", "x", "'edgeSigningActiveKey' has 'x', which is not a positive whole number")]
    public void A_wrong_generation_list_is_refused_naming_the_context_key(string keys, string? active, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Settings(keys, active));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
