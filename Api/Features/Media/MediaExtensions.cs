using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Api.Features.Accounts;
using Platform.Api.Features.Media.Caching;
using Platform.Api.Features.Media.Delivery;
using Platform.Api.Infrastructure;
using Platform.Media;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Api.Features.Media;

public static class MediaExtensions
{
    /// <summary>The rate-limit policy of every media write: a token bucket per signed-in user.</summary>
    public const string WritePolicy = "media-writes";

    public static IHostApplicationBuilder AddMedia(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MediaOptions>()
            .BindConfiguration(MediaOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<WriteRateLimitOptions>()
            .BindConfiguration($"{MediaOptions.SectionName}:WriteRateLimit")
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<MediaDeliveryOptions>()
            .BindConfiguration(UrlWindow.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddRenderedMediaCache();
        builder.Services.AddScoped<MediaStore>();
        builder.Services.AddDependencyGuard(MediaStorage.GuardKey, "storage");
        builder.Services.AddSingleton<MediaStorage>();
        builder.Services.AddScoped<IUploadRecords>(sp => sp.GetRequiredService<MediaStore>());
        builder.Services.AddSingleton<IUploadedObjects>(sp => sp.GetRequiredService<MediaStorage>());
        builder.Services.AddScoped<UploadCompletion>();
        builder.Services.AddSingleton<MediaUrls>();
        builder.Services.AddSingleton<MediaResponses>();
        builder.Services.AddHostedService<PendingUploadSweeper>();

        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(WritePolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<WriteRateLimitOptions>>().Value;
                // The endpoints that use this policy require a signed-in user, so the partition is always the user.
                var partition = context.User.Identity?.IsAuthenticated == true ? context.User.UserId().ToString("N") : "anonymous";
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.BurstLimit,
                    TokensPerPeriod = limits.TokensPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => TooManyRequests.WriteAsync(context, "Too many changes in a short time.");
        });
        return builder;
    }
}
