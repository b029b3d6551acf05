using Microsoft.Extensions.Options;
using Platform.Caching;
using Platform.Worker.Messaging;

namespace Platform.Worker.Features.Media;

public static class MediaExtensions
{
    public static IHostApplicationBuilder AddMediaProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MediaProcessingOptions>()
            .BindConfiguration(MediaProcessingOptions.SectionName)
            // One setting for the window, whichever service reads it: the Api signs URLs for it, the Worker caches for it.
            .Configure<IConfiguration>((options, configuration) =>
                options.UrlWindow = configuration.GetValue(Platform.Media.UrlWindow.LengthKey, options.UrlWindow))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRedisHybridCache();
        builder.Services.AddSingleton(sp => new ImageThumbnailer(sp.GetRequiredService<IOptions<MediaProcessingOptions>>().Value));
        builder.Services.AddSingleton<MediaMetrics>();
        builder.Services.AddScoped<IMessageHandler, MediaUploadedHandler>();
        builder.Services.AddScoped<IMessageHandler, MediaDeletedHandler>();
        return builder;
    }
}
