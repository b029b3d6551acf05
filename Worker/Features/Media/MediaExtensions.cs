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
