using Microsoft.EntityFrameworkCore;
using Platform.Api.Data;

namespace Platform.Api.Tests.Data;

/// <summary>
/// The Api owns the schema: its model (with the tables it shares with the Worker) must be exactly what the migrations
/// build. A column renamed or resized in the shared model without a migration fails here, before any database sees it.
/// </summary>
public sealed class SchemaTests
{
    [Fact]
    public void The_model_needs_no_migration_beyond_the_ones_in_the_repository()
    {
        using var db = new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql("Host=never-connected").Options);

        Assert.False(db.Database.HasPendingModelChanges(),
            "The Api's model differs from its latest migration's snapshot: add a migration (dotnet ef migrations add) or undo the change.");
    }
}
