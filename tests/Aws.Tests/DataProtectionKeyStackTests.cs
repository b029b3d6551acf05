using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// The Data Protection key rings in the stack as a reviewer checks them: the services that keep one (Api, Web) are told
/// to encrypt it with the stack's KMS key, and each task role may use that key only under its own service's encryption
/// context; the Worker, which keeps no ring, gets neither.
/// </summary>
public sealed class DataProtectionKeyStackTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    private JsonObject Json => stack.Json;

    [Theory]
    [InlineData("Api", "api")]
    [InlineData("Web", "web")]
    public void The_services_with_a_key_ring_encrypt_it_with_the_stacks_key_under_their_own_name(string service, string name)
    {
        var environment = Json.Container(service).Environment();

        var keyId = Json.Id("AWS::KMS::Key", "DataProtectionKey");
        Assert.Equal($$"""{"Fn::GetAtt":["{{keyId}}","Arn"]}""", environment["DataProtection__KmsKeyId"]!.ToJsonString());
        Assert.Equal(name, (string?)environment["DataProtection__KmsService"]);
        Assert.DoesNotContain("DataProtection__CertificatePath", environment.Keys);
    }

    [Fact]
    public void The_worker_gets_no_data_protection_key_and_no_kms_encrypt_or_decrypt()
    {
        var environment = Json.Container("Worker").Environment();

        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("DataProtection__", StringComparison.Ordinal));
        Assert.Empty(KmsStatements("Worker"));
    }

    [Theory]
    [InlineData("Api", "api")]
    [InlineData("Web", "web")]
    public void Each_grant_is_bound_to_the_services_own_encryption_context(string service, string name)
    {
        var statement = Assert.Single(KmsStatements(service));

        Assert.Equal(["kms:Decrypt", "kms:Encrypt"], statement.Actions().Order(StringComparer.Ordinal));
        var keyId = Json.Id("AWS::KMS::Key", "DataProtectionKey");
        Assert.Equal($$"""{"Fn::GetAtt":["{{keyId}}","Arn"]}""", statement["Resource"]!.ToJsonString());
        var equals = statement["Condition"]!["StringEquals"]!.AsObject();
        Assert.Equal(name, (string?)equals["kms:EncryptionContext:platform:service"]);
        Assert.Equal("data-protection", (string?)equals["kms:EncryptionContext:purpose"]);
        // Exactly these context keys, so a call cannot add its own to a ciphertext another service could then ask for.
        Assert.Equal("[\"platform:service\",\"purpose\"]", statement["Condition"]!["ForAllValues:StringEquals"]!["kms:EncryptionContextKeys"]!.ToJsonString());
    }

    /// <summary>The task role's statements that allow kms:Encrypt or kms:Decrypt on the key-ring key.</summary>
    private List<JsonObject> KmsStatements(string service)
    {
        var taskRole = Json.Id("AWS::IAM::Role", $"{service}TaskRole");
        return Json.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == taskRole))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
            .Where(s => s.Actions().Any(a => a is "kms:Encrypt" or "kms:Decrypt" or "kms:*")
                && s["Resource"]!.ToJsonString().Contains("DataProtectionKey", StringComparison.Ordinal))
            .ToList();
    }
}
