using Microsoft.EntityFrameworkCore;
using Platform.Api.Features.Diagnostics;

namespace Platform.Api.Data;

/// <summary>The Api's database on the primary: every write goes here, and the schema (migrations) is owned here.</summary>
public class PlatformDbContext : DbContext
{
    public PlatformDbContext(DbContextOptions<PlatformDbContext> options) : base(options)
    {
    }

    /// <summary>For <see cref="PlatformReadDbContext"/>, which shares the model.</summary>
    protected PlatformDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Ping> Pings => Set<Ping>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly, t => !t.IsAbstract);
    }
}

/// <summary>
/// The same model on the read-only connection (<c>ConnectionStrings:postgres-read</c>): the RDS read replica in AWS.
/// Queries only, never tracked; a write through it fails, as it would on the replica.
/// </summary>
public sealed class PlatformReadDbContext(DbContextOptions<PlatformReadDbContext> options) : PlatformDbContext(options);
