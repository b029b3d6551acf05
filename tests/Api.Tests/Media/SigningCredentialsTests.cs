using Amazon.Runtime;
using Platform.Api.Features.Media.Delivery;

namespace Platform.Api.Tests.Media;

/// <summary>
/// Environment credentials, read once for URL signing, sign as what was read: temporary ones keep their session token
/// (a presigned URL without it is refused), long-term ones sign without one.
/// </summary>
public sealed class SigningCredentialsTests
{
    [Fact]
    public void Temporary_credentials_read_once_keep_their_session_token()
    {
        var read = MediaUrls.ReadOnce(new ImmutableCredentials("ASIAEXAMPLE", "secret", "session-token")).GetCredentials();

        Assert.Equal(("ASIAEXAMPLE", "secret", "session-token"), (read.AccessKey, read.SecretKey, read.Token));
        Assert.True(read.UseToken);
    }

    [Fact]
    public void Long_term_credentials_read_once_sign_without_a_session_token()
    {
        var read = MediaUrls.ReadOnce(new ImmutableCredentials("AKIAEXAMPLE", "secret", token: null)).GetCredentials();

        Assert.Equal(("AKIAEXAMPLE", "secret"), (read.AccessKey, read.SecretKey));
        Assert.False(read.UseToken);
    }
}
