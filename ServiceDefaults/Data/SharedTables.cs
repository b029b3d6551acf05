using Microsoft.EntityFrameworkCore;

namespace Platform.Data;

/// <summary>
/// The tables both services map, configured in one place: the Api's model (which also holds Identity and the outbox, and
/// from which the migrations are made) and the Worker's model apply the same configurations, so a column is named once.
/// </summary>
public static class SharedTables
{
    public static ModelBuilder ApplySharedTables(this ModelBuilder modelBuilder) => modelBuilder
        .ApplyConfiguration(new MediaItemConfiguration())
        .ApplyConfiguration(new PingConfiguration());
}
