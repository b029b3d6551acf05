using Microsoft.EntityFrameworkCore;
using Platform.Worker.Features.Diagnostics;
using Platform.Worker.Features.Media;

namespace Platform.Worker.Data;

/// <summary>
/// The Worker's view of the Api's database: only the tables and columns it writes. The Api owns the schema and its
/// migrations; the AppHost starts the Worker after the Api, so the schema is in place. No migrations live here.
/// </summary>
public sealed class WorkerDbContext(DbContextOptions<WorkerDbContext> options) : DbContext(options)
{
    public DbSet<ReceivedPing> Pings => Set<ReceivedPing>();

    public DbSet<MediaRow> MediaItems => Set<MediaRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(WorkerDbContext).Assembly);
}
