using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Features.Accounts;
using Platform.Data;

namespace Platform.Api.Data;

/// <summary>
/// The Api's database on the primary: every write goes here, and the schema (migrations) is owned here. It holds the
/// Identity tables (users, their claims, logins and tokens; no roles) beside the application's own.
/// </summary>
public class PlatformDbContext : IdentityUserContext<PlatformUser, Guid>
{
    public PlatformDbContext(DbContextOptions<PlatformDbContext> options) : base(options)
    {
    }

    /// <summary>For <see cref="PlatformReadDbContext"/>, which shares the model.</summary>
    protected PlatformDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Ping> Pings => Set<Ping>();

    public DbSet<MediaItem> MediaItems => Set<MediaItem>();

    public DbSet<Platform.Messaging.Outbox.OutboxMessage> OutboxMessages => Set<Platform.Messaging.Outbox.OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // The tables the Worker maps too are configured once, in ServiceDefaults; what only the Api knows (the owner's
        // foreign key, the outbox) is in this assembly.
        modelBuilder.ApplySharedTables();
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly, t => !t.IsAbstract);
    }
}

/// <summary>
/// The same model on the read-only connection (<c>ConnectionStrings:postgres-read</c>): the RDS read replica in AWS.
/// Queries only, never tracked; a write through it fails, as it would on the replica.
/// </summary>
public sealed class PlatformReadDbContext(DbContextOptions<PlatformReadDbContext> options) : PlatformDbContext(options);
