using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Platform.Worker.Tests;

/// <summary>
/// What the service defaults export as metrics: every metric as its instrumentation defines it (name, unit, histogram
/// buckets, attributes), at most <see cref="ServiceDefaultsExtensions.MetricPointsPerStream"/> attribute combinations
/// per metric, and HttpClient's connection metrics without the peer's address.
/// </summary>
public sealed class MetricStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_keep_their_names_units_and_buckets_connections_carry_no_peer_address_and_extra_combinations_overflow()
    {
        using var meter = new Meter("Test.MetricStreams");
        var uploads = meter.CreateCounter<long>("test.uploads");
        var exported = new List<MetricSnapshot>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(meter.Name).AddInMemoryExporter(exported));

        await using var app = builder.Build();
        app.MapGet("/media", () => "done");
        await app.StartAsync(Ct);
        using (var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) })
        {
            Assert.Equal("done", await client.GetStringAsync("/media", Ct));
        }

        var combinations = ServiceDefaultsExtensions.MetricPointsPerStream + 50;
        for (var i = 0; i < combinations; i++)
        {
            uploads.Add(1, new KeyValuePair<string, object?>("owner", i));
        }

        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        await app.StopAsync(Ct);

        var requests = exported.Last(m => m.Name == "http.server.request.duration");
        Assert.Equal("s", requests.Unit);
        var media = Assert.Single(requests.MetricPoints, p => Tags(p).GetValueOrDefault("http.route") as string == "/media");
        // ASP.NET Core's own buckets, from 5 ms to 10 s; the SDK's defaults (0, 5, 10, … 10,000) are meant for milliseconds.
        var bounds = BucketBounds(media);
        Assert.Equal(0.005, bounds[0]);
        Assert.Equal(10, bounds[^2]);
        Assert.Equal(double.PositiveInfinity, bounds[^1]);

        var connections = exported.Last(m => m.Name == "http.client.open_connections");
        Assert.NotEmpty(connections.MetricPoints);
        Assert.All(connections.MetricPoints, p =>
        {
            Assert.True(Tags(p).ContainsKey("server.address"));
            Assert.False(Tags(p).ContainsKey("network.peer.address"));
        });

        var counted = exported.Last(m => m.Name == "test.uploads");
        Assert.Equal(combinations, counted.MetricPoints.Sum(p => p.GetSumLong()));
        var overflow = Assert.Single(counted.MetricPoints, p => Tags(p).ContainsKey("otel.metric.overflow"));
        Assert.True(overflow.GetSumLong() > 0);
    }

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }

    private static List<double> BucketBounds(MetricPoint point)
    {
        var bounds = new List<double>();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            bounds.Add(bucket.ExplicitBound);
        }

        return bounds;
    }
}
