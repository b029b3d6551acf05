using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.Web.Features.Accounts;

public static class AccountsExtensions
{
    /// <summary>
    /// Cookie sign-in whose session lives in Redis, Data Protection keys in Redis (so every Web instance can read every
    /// cookie and antiforgery token), and the Api's account endpoints behind a typed client.
    /// </summary>
    public static IHostApplicationBuilder AddWebAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>()
            .Configure<IServiceProvider>((options, sp) =>
            {
                // Reuse the connection Aspire's Redis integration manages (health checks, tracing, resilience).
                options.ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>());
                options.InstanceName = "";
            });

        builder.AddPlatformDataProtection("platform-web", "platform:web:data-protection-keys");

        // Sessions need Redis: a call that takes more than a second is given up on, a Redis that keeps failing is left
        // alone for two seconds at a time, and the person is told (see SessionStoreUnavailableMiddleware).
        services.AddDependencyGuard(RedisTicketStore.GuardKey, "session store", new DependencyGuardOptions
        {
            Timeout = TimeSpan.FromSeconds(1),
            IsFailure = _ => true, // whatever a session read or write fails with, Redis is not usable right now
        });
        services.AddSingleton<RedisTicketStore>();
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, UseTicketStore>();
        services.AddOptions<SessionLifetimeOptions>().BindConfiguration(SessionLifetimeOptions.SectionName);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<SessionLifetimeOptions>, TimeProvider>((options, lifetime, clock) =>
                SessionCookie.Configure(options, builder.Environment, lifetime.Value, clock));
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddAuthorization();

        services.AddTransient<ForwardClientAddressHandler>();
        services.AddSingleton<RefreshCoalescer>();
        services.AddHttpClient<AccountsApiClient>(client => client.BaseAddress = new Uri("https+http://api"))
            .AddHttpMessageHandler<ForwardClientAddressHandler>();
        services.AddTransient<ApiAccessTokenHandler>();
        services.AddScoped<AccountSignIn>();
        services.AddHttpContextAccessor();
        return builder;
    }
}
