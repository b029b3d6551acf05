using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Platform.Api.Data;

/// <summary>
/// Lets `dotnet ef migrations add` build the model without starting the Api (which needs a live database and the
/// AppHost's configuration). The connection string is never used to connect.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PlatformDbContext>
{
    public PlatformDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql("Host=design-time-only").Options);
}
