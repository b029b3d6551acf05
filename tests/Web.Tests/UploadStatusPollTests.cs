using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Web.Features.Media;

namespace Platform.Web.Tests;

/// <summary>
/// The gallery and upload pages poll <c>/uploads/status</c> while items are processed: Web asks the Api once per poll,
/// however many items the page waits on, and passes on exactly what the Api answered.
/// </summary>
public sealed class UploadStatusPollTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(60)]
    public async Task A_poll_makes_one_api_call_whatever_the_number_of_pending_items(int pending)
    {
        var api = new FakeApi();
        await using var web = await StartWebAsync(api);
        var ids = Enumerable.Range(0, pending).Select(_ => Guid.NewGuid()).ToList();

        using var response = await web.GetTestClient().GetAsync($"/uploads/status?ids={string.Join(",", ids)}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, api.Calls);
        var items = await response.Content.ReadFromJsonAsync<List<PolledItem>>(Ct);
        Assert.Equal(ids.Order(), items!.Select(i => i.Id).Order());
        Assert.All(items!, i => Assert.Equal("processing", i.Status));
    }

    [Fact]
    public async Task Items_the_api_leaves_out_are_left_out_and_a_poll_without_ids_asks_nothing()
    {
        var mine = Guid.NewGuid();
        var api = new FakeApi(known: [mine]);
        await using var web = await StartWebAsync(api);
        var client = web.GetTestClient();

        var items = await client.GetFromJsonAsync<List<PolledItem>>($"/uploads/status?ids={mine},{Guid.NewGuid()}", Ct);
        Assert.Equal([mine], items!.Select(i => i.Id));

        Assert.Empty((await client.GetFromJsonAsync<List<PolledItem>>("/uploads/status?ids=", Ct))!);
        Assert.Equal(1, api.Calls);
    }

    [Fact]
    public async Task More_ids_than_the_api_takes_are_refused_before_the_api_is_asked()
    {
        var api = new FakeApi();
        await using var web = await StartWebAsync(api);
        var ids = string.Join(",", Enumerable.Range(0, Platform.Media.MediaStatusBatch.MaxIds + 1).Select(_ => Guid.NewGuid()));

        using var response = await web.GetTestClient().GetAsync($"/uploads/status?ids={ids}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, api.Calls);
    }

    private static async Task<WebApplication> StartWebAsync(FakeApi api)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(SignedIn.Name).AddScheme<AuthenticationSchemeOptions, SignedIn>(SignedIn.Name, _ => { });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery();
        builder.Services.AddProblemDetails();
        builder.Services.AddHttpClient<MediaApiClient>(client => client.BaseAddress = new Uri("http://api"))
            .ConfigurePrimaryHttpMessageHandler(() => api);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapUploadEndpoints();
        await app.StartAsync(Ct);
        return app;
    }

    private sealed record PolledItem(Guid Id, string Status);

    /// <summary>
    /// The Api as Web meets it: the batch status read answers each requested id it knows (all of them unless told
    /// otherwise) as processing; anything else it is asked is counted too and answered 404.
    /// </summary>
    private sealed class FakeApi(IReadOnlyCollection<Guid>? known = null) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            var uri = request.RequestUri!;
            if (request.Method != HttpMethod.Get || uri.AbsolutePath != "/api/media/status")
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
            }

            var ids = Uri.UnescapeDataString(uri.Query.TrimStart('?').Replace("ids=", "", StringComparison.Ordinal))
                .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)
                .Where(id => known is null || known.Contains(id));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = JsonContent.Create(new { items = ids.Select(id => new { id, status = "processing", failureReason = (string?)null }) }),
            });
        }
    }

    private sealed class SignedIn(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "signed-in";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "someone")], Name)), Name)));
    }
}
