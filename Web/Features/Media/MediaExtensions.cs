using Platform.Web.Features.Accounts;

namespace Platform.Web.Features.Media;

public static class MediaExtensions
{
    /// <summary>The Api's media endpoints through a typed client: service discovery, resilience, the user's token.</summary>
    public static IHostApplicationBuilder AddWebMedia(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<MediaApiClient>(client => client.BaseAddress = new Uri("https+http://api"))
            .AddHttpMessageHandler<ApiAccessTokenHandler>();
        return builder;
    }
}
