using Microsoft.EntityFrameworkCore;
using Platform.Data;

namespace Platform.Worker.Data;

/// <summary>
/// The Worker's view of the Api's database: the tables it reads and writes, mapped by the same configurations as the
/// Api's model (<see cref="SharedTables"/>). The Api owns the schema and its migrations; the Worker starts once the
/// schema is in place. No migrations live here.
/// </summary>
public sealed class WorkerDbContext(DbContextOptions<WorkerDbContext> options) : DbContext(options)
{
    public DbSet<Ping> Pings => Set<Ping>();

    public DbSet<MediaItem> MediaItems => Set<MediaItem>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ApplySharedTables();
}
