using Amazon.Runtime;
using Platform.Data;

namespace Platform.Api.Tests.Data;

/// <summary>The IAM database authentication token the services sign in to RDS with (AWS).</summary>
public sealed class RdsIamAuthTokenTests
{
    [Fact]
    public void The_signing_key_is_derived_as_in_awss_published_sigv4_example()
    {
        var key = RdsIamAuthToken.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");

        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", Convert.ToHexString(key).ToLowerInvariant());
    }

    [Fact]
    public void A_token_is_a_presigned_connect_request_for_the_instance_and_the_role_with_the_task_roles_session()
    {
        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "secret", "session/token+1");

        var token = RdsIamAuthToken.Create("db.abc.eu-west-1.rds.amazonaws.com", 5433, "platform_api", "eu-west-1", credentials,
            new DateTime(2026, 12, 2, 15, 4, 5, DateTimeKind.Utc));

        Assert.StartsWith("db.abc.eu-west-1.rds.amazonaws.com:5433/?Action=connect&DBUser=platform_api&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
            "&X-Amz-Credential=AKIDEXAMPLE%2F20261202%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Date=20261202T150405Z&X-Amz-Expires=900" +
            "&X-Amz-Security-Token=session%2Ftoken%2B1&X-Amz-SignedHeaders=host&X-Amz-Signature=", token, StringComparison.Ordinal);
        Assert.Matches("&X-Amz-Signature=[0-9a-f]{64}$", token);
        Assert.DoesNotContain("://", token, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokens_for_different_roles_differ()
    {
        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "secret", null);
        var at = new DateTime(2026, 12, 2, 15, 4, 5, DateTimeKind.Utc);

        var api = RdsIamAuthToken.Create("db", 5433, "platform_api", "eu-west-1", credentials, at);
        var worker = RdsIamAuthToken.Create("db", 5433, "platform_worker", "eu-west-1", credentials, at);

        Assert.NotEqual(api[api.LastIndexOf('=')..], worker[worker.LastIndexOf('=')..]);
        Assert.DoesNotContain("Security-Token", api, StringComparison.Ordinal);
    }
}
