using Microsoft.Extensions.Options;
using Platform.Caching;
using Platform.Media;
using Platform.Worker.Messaging;

namespace Platform.Worker.Features.Media;

public static class MediaExtensions
{
    public static IHostApplicationBuilder AddMediaProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MediaProcessingOptions>()
            .BindConfiguration(MediaProcessingOptions.SectionName)
            // One setting for the window and one for the upload limit, whichever service reads them: the Api signs URLs
            // for the window and accepts uploads up to the limit; the Worker caches for the window and downloads up to it.
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.UrlWindow = configuration.GetValue(Platform.Media.UrlWindow.LengthKey, options.UrlWindow);
                options.MaxUploadBytes = configuration.GetValue(MediaLimits.MaxUploadBytesKey, MediaLimits.DefaultMaxUploadBytes);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOwnerStamps();
        builder.Services.AddSingleton(sp => new ImageThumbnailer(sp.GetRequiredService<IOptions<MediaProcessingOptions>>().Value));
        builder.Services.AddSingleton(sp => new ProcessingMemoryBudget(sp.GetRequiredService<IOptions<MediaProcessingOptions>>().Value));
        builder.Services.AddSingleton(sp => new PdfInspector(
            sp.GetRequiredService<IOptions<MediaProcessingOptions>>().Value, sp.GetRequiredService<ProcessingMemoryBudget>()));
        builder.Services.AddSingleton<MediaMetrics>();
        builder.Services.AddScoped<IMessageHandler, MediaUploadedHandler>();
        builder.Services.AddScoped<IMessageHandler, MediaDeletedHandler>();
        return builder;
    }
}
