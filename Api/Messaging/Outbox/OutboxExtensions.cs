using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

public static class OutboxExtensions
{
    /// <summary>
    /// The outbox of <typeparamref name="TContext"/> (whose model must apply <see cref="OutboxMessageConfiguration"/>):
    /// <see cref="Outbox{TContext}"/> to add messages, the commit notifier and the dispatcher that sends them to the
    /// queue of the <c>messaging</c> reference.
    /// </summary>
    public static IHostApplicationBuilder AddOutbox<TContext>(this IHostApplicationBuilder builder) where TContext : DbContext
    {
        builder.Services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxCommitNotifier>();
        builder.Services.AddScoped<Outbox<TContext>>();
        builder.Services.ConfigureDbContext<TContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<OutboxCommitNotifier>()));
        builder.Services.AddDependencyGuard(OutboxDispatcher<TContext>.QueueGuardKey, "queue", new DependencyGuardOptions { Timeout = TimeSpan.FromSeconds(5) });
        builder.Services.AddHostedService<OutboxDispatcher<TContext>>();
        return builder;
    }
}
