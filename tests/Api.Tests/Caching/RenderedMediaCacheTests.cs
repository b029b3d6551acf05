using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Api.Features.Media;
using Platform.Api.Features.Media.Caching;

namespace Platform.Api.Tests.Caching;

/// <summary>
/// The rendered responses' cache as a reader meets it: a warm read hands out the response kept in memory as it is, "no
/// such item" is kept like any answer, nothing outlives the window its URLs belong to, and memory is bounded.
/// </summary>
public sealed class RenderedMediaCacheTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly RenderedMediaCache _cache;
    private int _renders;

    public RenderedMediaCacheTests()
    {
        // Memory only (no Redis here): what a hit in this process's memory returns.
        _services = new ServiceCollection()
            .AddHybridCache().AddSerializer<RenderedResponse?, RenderedResponseSerializer>().Services
            .BuildServiceProvider();
        _cache = new RenderedMediaCache(_services.GetRequiredService<HybridCache>(), TimeProvider.System, Options.Create(new MediaOptions()));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset InAnHour => DateTimeOffset.UtcNow.AddHours(1);

    [Fact]
    public async Task A_warm_read_returns_the_response_kept_in_memory_itself_without_rendering_again()
    {
        var first = await _cache.GetOrRenderAsync("item", InAnHour, "{\"id\":1}", RenderAsync, Ct);
        var second = await _cache.GetOrRenderAsync("item", InAnHour, "{\"id\":1}", RenderAsync, Ct);

        Assert.Equal(1, _renders);
        Assert.NotNull(first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task No_such_item_is_kept_like_any_answer()
    {
        Assert.Null(await _cache.GetOrRenderAsync("missing", InAnHour, (string?)null, RenderAsync, Ct));
        Assert.Null(await _cache.GetOrRenderAsync("missing", InAnHour, (string?)null, RenderAsync, Ct));

        Assert.Equal(1, _renders);
    }

    [Fact]
    public async Task A_response_whose_window_has_ended_is_rendered_but_not_kept()
    {
        var ended = DateTimeOffset.UtcNow.AddSeconds(-1);

        await _cache.GetOrRenderAsync("late", ended, "{}", RenderAsync, Ct);
        await _cache.GetOrRenderAsync("late", ended, "{}", RenderAsync, Ct);

        Assert.Equal(2, _renders);
    }

    [Fact]
    public void The_form_kept_in_redis_gives_back_the_same_body_and_etag_and_no_such_item()
    {
        var serializer = new RenderedResponseSerializer();
        var response = new RenderedResponse(Encoding.UTF8.GetBytes("{\"items\":[]}"), "\"abc-_123\"");

        var copy = serializer.Deserialize(new ReadOnlySequence<byte>(Serialize(serializer, response)));

        Assert.NotNull(copy);
        Assert.Equal(response.Body, copy.Body);
        Assert.Equal(response.ETag, copy.ETag);
        Assert.Null(serializer.Deserialize(new ReadOnlySequence<byte>(Serialize(serializer, null))));
        Assert.Throws<InvalidDataException>(() => serializer.Deserialize(ReadOnlySequence<byte>.Empty));
    }

    [Fact]
    public async Task A_warm_read_is_served_from_memory_under_the_memory_bound_the_api_runs_with()
    {
        // As the Api registers it: L1 bounded in bytes, so every entry must carry its size or memory would refuse it.
        using var services = new ServiceCollection().AddLogging().AddRenderedMediaCache().BuildServiceProvider();
        var cache = new RenderedMediaCache(services.GetRequiredService<HybridCache>(), TimeProvider.System, Options.Create(new MediaOptions()));
        var page = "{\"items\":\"" + new string('x', 30 * 1024) + "\"}";

        var first = await cache.GetOrRenderAsync("page", InAnHour, page, RenderAsync, Ct);
        var second = await cache.GetOrRenderAsync("page", InAnHour, page, RenderAsync, Ct);

        Assert.Equal(1, _renders);
        Assert.Same(first, second);
    }

    [Fact]
    public void The_memory_the_cache_takes_is_bounded()
    {
        using var services = new ServiceCollection().AddRenderedMediaCache().BuildServiceProvider();

        Assert.Equal(RenderedMediaCache.MemoryLimitBytes, services.GetRequiredService<IOptions<MemoryCacheOptions>>().Value.SizeLimit);
    }

    public void Dispose() => _services.Dispose();

    private ValueTask<RenderedResponse?> RenderAsync(string? body, CancellationToken ct)
    {
        _renders++;
        return ValueTask.FromResult(body is null ? null : new RenderedResponse(Encoding.UTF8.GetBytes(body), "\"tag\""));
    }

    private static byte[] Serialize(RenderedResponseSerializer serializer, RenderedResponse? response)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(response, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
