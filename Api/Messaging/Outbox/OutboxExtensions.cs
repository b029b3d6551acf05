using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Messaging.Outbox;

public static class OutboxExtensions
{
    /// <summary>
    /// The outbox of <typeparamref name="TContext"/> (whose model must apply <see cref="OutboxMessageConfiguration"/>):
    /// <see cref="Outbox{TContext}"/> to add messages and send them at commit, and the dispatcher that sends, to the
    /// queue of the <c>messaging</c> reference, whatever could not be sent then.
    /// </summary>
    public static IHostApplicationBuilder AddOutbox<TContext>(this IHostApplicationBuilder builder) where TContext : DbContext
    {
        builder.Services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddScoped<Outbox<TContext>>();
        builder.Services.AddDependencyGuard(OutboxDispatcher<TContext>.QueueGuardKey, "queue", new DependencyGuardOptions { Timeout = TimeSpan.FromSeconds(5) });
        builder.Services.AddHostedService<OutboxDispatcher<TContext>>();
        return builder;
    }
}
