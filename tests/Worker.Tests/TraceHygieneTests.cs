using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Platform.Tests.Shared;
using StackExchange.Redis;

namespace Platform.Worker.Tests;

/// <summary>
/// What the service defaults export as traces: a request and everything it calls, yes; a health probe's dependency
/// checks and a background poll (the Worker's ReceiveMessage, the outbox's look for work), no — they would bury the
/// users' requests in the dashboard under thousands of one-span traces.
/// </summary>
public sealed class TraceHygieneTests
{
    private static readonly ActivitySource Dependency = new("Test.Dependency");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_probes_and_background_polling_start_no_traces_while_requests_keep_theirs()
    {
        var exported = new List<Activity>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(Dependency.Name).AddInMemoryExporter(exported));
        builder.Services.AddHealthChecks().AddCheck("database", () =>
        {
            using var probe = Dependency.StartActivity("SELECT 1", ActivityKind.Client);
            return HealthCheckResult.Healthy();
        });

        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/media", () =>
        {
            using var query = Dependency.StartActivity("SELECT media", ActivityKind.Client);
            return "done";
        });
        await app.StartAsync(Ct);
        var address = new Uri(app.Urls.First());

        Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/health"));
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/alive"));
        using (Dependency.StartActivity("ReceiveMessage", ActivityKind.Client))
        {
            // A background loop's call, outside any request or message.
        }

        Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/media"));
        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        await app.StopAsync(Ct);

        // Only this test's sources: other tests in this process (the queue consumer's) report through "Platform" too.
        var mine = exported.Where(a => a.Source.Name is "Test.Dependency" or "Microsoft.AspNetCore").ToList();
        var request = Assert.Single(mine, a => a.Kind == ActivityKind.Server);
        Assert.Equal("/media", request.GetTagItem("url.path"));
        var query = Assert.Single(mine, a => a.DisplayName == "SELECT media");
        Assert.Equal(request.TraceId, query.TraceId);
        Assert.DoesNotContain(mine, a => a.DisplayName is "SELECT 1" or "ReceiveMessage");
        Assert.All(mine, a => Assert.Equal(request.TraceId, a.TraceId));
    }

    [Fact]
    public async Task A_requests_redis_commands_are_spans_in_its_trace_and_nothing_else_of_redis_is_traced()
    {
        await using var redis = await LocalRedisServer.StartAsync(Ct);
        var ended = new ConcurrentQueue<Activity>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:redis"] = redis.ConnectionString;
        builder.AddServiceDefaults();
        builder.AddPlatformRedisClient("redis");
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddProcessor(new EndedSpans(ended)));

        Activity request;
        await using (var app = builder.Build())
        {
            app.MapDefaultEndpoints();
            app.MapGet("/stamp", async (IConnectionMultiplexer connection) =>
                await connection.GetDatabase().StringGetAsync("owner-stamp") is { HasValue: true } stamp ? (string)stamp! : "none");
            await app.StartAsync(Ct);
            var address = new Uri(app.Urls.First());

            // The connection is made on first use, here by the health check's PING, and every request then uses it.
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/health"));
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(address, "/stamp"));

            // The instrumentation turns recorded commands into spans on a thread of its own, a moment after they complete.
            request = await EndedAsync(ended, a => a.Kind == ActivityKind.Server && "/stamp".Equals(a.GetTagItem("url.path")));
            await EndedAsync(ended, a => IsRedisCommand(a) && a.ParentSpanId == request.SpanId);
            await app.StopAsync(Ct);
        }

        // Disposed, the tracer has turned every command left into a span: the request's GET once (one instrumentation of
        // the connection), and nothing of the health check's PING or the connection's own commands.
        var command = Assert.Single(ended, a => IsRedisCommand(a) && a.ParentSpanId == request.SpanId);
        Assert.Equal(ActivityKind.Client, command.Kind);
        Assert.Equal("GET", command.DisplayName);
        Assert.All(ended.Where(IsRedisCommand), a => Assert.Equal(request.TraceId, a.TraceId));
    }

    private static bool IsRedisCommand(Activity span) => span.Source.Name == RedisClientExtensions.CommandActivitySourceName;

    /// <summary>The first span that has ended and matches, waited for.</summary>
    private static async Task<Activity> EndedAsync(ConcurrentQueue<Activity> ended, Func<Activity, bool> match) =>
        (await Eventually.ReturnsAsync(_ => Task.FromResult(ended.FirstOrDefault(match)), span => span is not null, TimeSpan.FromSeconds(30), Ct))!;

    /// <summary>Every span that ends, from any thread (the in-memory exporter's list is not safe to read meanwhile).</summary>
    private sealed class EndedSpans(ConcurrentQueue<Activity> ended) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => ended.Enqueue(data);
    }

    /// <summary>
    /// A request with no trace context, as a browser or a load balancer's probe sends it. Written by hand: an HttpClient
    /// in this process would be traced by the same OpenTelemetry and pass its own trace context along.
    /// </summary>
    private static async Task<string> GetAsync(Uri server, string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, Ct);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n"), Ct);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(Ct);
    }
}
