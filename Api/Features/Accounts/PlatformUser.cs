using Microsoft.AspNetCore.Identity;

namespace Platform.Api.Features.Accounts;

/// <summary>A person with an account. Guid keys, so media rows and object keys can name their owner without a lookup.</summary>
public sealed class PlatformUser : IdentityUser<Guid>
{
    public PlatformUser()
    {
        Id = Guid.CreateVersion7();
        SecurityStamp = Guid.NewGuid().ToString();
    }
}
