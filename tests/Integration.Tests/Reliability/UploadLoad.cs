using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests.Reliability;

/// <summary>
/// A steady stream of uploads from a few users, as clients make them: create, PUT the bytes to S3, complete, and read
/// one of the items now and then. Every Api call is timed and kept; every upload that got its 202 is tracked until the
/// Worker has finished it. An upload whose create, PUT or complete fails is given up, as a client would (it never got
/// a 202, so nothing was promised).
/// </summary>
public sealed class UploadLoad(IReadOnlyList<MediaClient> users, byte[] image)
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(250);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentQueue<ApiCall> _calls = new();
    private readonly ConcurrentDictionary<Guid, AcceptedUpload> _accepted = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];
    private int _attempts;

    public int Attempts => _attempts;

    public IReadOnlyCollection<ApiCall> Calls => _calls;

    public IReadOnlyCollection<AcceptedUpload> Accepted => _accepted.Values.ToArray();

    /// <summary>Time since the load was created, the scale every record is on.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public void Start() => _loops = users.Select(user => Task.Run(() => LoopAsync(user))).ToArray();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    /// <summary>Waits until the load has made <paramref name="count"/> more Api calls than now (answered or not).</summary>
    public Task WaitForCallsAsync(int count, CancellationToken ct)
    {
        var target = _calls.Count + count;
        return Eventually.ReturnsAsync(_ => Task.FromResult(_calls.Count), made => made >= target, TimeSpan.FromMinutes(2), ct);
    }

    /// <summary>Waits until <paramref name="count"/> more uploads than now got their 202.</summary>
    public Task WaitForAcceptedAsync(int count, CancellationToken ct)
    {
        var target = _accepted.Count + count;
        return Eventually.ReturnsAsync(_ => Task.FromResult(_accepted.Count), made => made >= target, TimeSpan.FromMinutes(2), ct);
    }

    /// <summary>Tracks an upload made outside the loop (e.g. the large image the Worker is killed on).</summary>
    public void Track(MediaClient user, Guid id)
    {
        Interlocked.Increment(ref _attempts);
        _accepted.TryAdd(id, new AcceptedUpload(id, user, _clock.Elapsed));
    }

    /// <summary>
    /// Polls every upload accepted at or after <paramref name="acceptedFrom"/> (on the load's clock) until it is ready or
    /// failed, or the time is up; returns those that are not.
    /// </summary>
    public async Task<IReadOnlyList<AcceptedUpload>> WaitUntilProcessedAsync(TimeSpan timeout, TimeSpan acceptedFrom, CancellationToken ct)
    {
        var deadline = _clock.Elapsed + timeout;
        while (true)
        {
            var open = _accepted.Values.Where(u => u.AcceptedAt >= acceptedFrom && !u.IsFinal).ToList();
            if (open.Count == 0 || _clock.Elapsed > deadline)
            {
                return open;
            }

            foreach (var upload in open)
            {
                try
                {
                    upload.Observe((await upload.User.GetAsync(upload.Id, ct)).Status);
                }
                catch (HttpRequestException)
                {
                    // Counted as not final yet; asked again.
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private async Task LoopAsync(MediaClient user)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await UploadOnceAsync(user);
                await Task.Delay(Pace, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task UploadOnceAsync(MediaClient user)
    {
        Interlocked.Increment(ref _attempts);
        var create = await TimeAsync("create", t => user.Api.PostAsJsonAsync("/api/media", new { fileName = "load.jpg", contentType = "image/jpeg", size = image.Length }, t));
        if (create.Status != HttpStatusCode.Created)
        {
            return;
        }

        var created = JsonSerializer.Deserialize<CreatedMedia>(create.Body, Json)!;
        try
        {
            using var bytes = new ByteArrayContent(image);
            bytes.Headers.ContentType = new("image/jpeg");
            using var put = await MediaClient.Storage.PutAsync(created.UploadUrl, bytes, _stop.Token);
            if (!put.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            return; // S3 out of reach: this upload is given up
        }

        var complete = await TimeAsync("complete", t => user.CompleteAsync(created.Id, t));
        if (complete.Status == HttpStatusCode.Accepted)
        {
            _accepted.TryAdd(created.Id, new AcceptedUpload(created.Id, user, _clock.Elapsed));
        }

        // A read of something this user uploaded, as the gallery makes.
        if (_accepted.Values.Where(u => u.User == user).OrderBy(_ => Random.Shared.Next()).FirstOrDefault() is { } some)
        {
            var read = await TimeAsync("get", t => user.Api.GetAsync($"/api/media/{some.Id}", t));
            if (read.Status == HttpStatusCode.OK)
            {
                some.Observe(JsonSerializer.Deserialize<MediaItem>(read.Body, Json)!.Status);
            }
        }
    }

    private async Task<TimedResponse> TimeAsync(string name, Func<CancellationToken, Task<HttpResponseMessage>> call)
    {
        var at = _clock.Elapsed;
        var answer = await Outages.TimeAsync(call, _stop.Token);
        _calls.Enqueue(new ApiCall(name, at, answer));
        return answer;
    }
}

/// <summary>One Api call of the load: what, when (on the load's clock), and the answer.</summary>
public sealed record ApiCall(string Name, TimeSpan At, TimedResponse Answer);

/// <summary>An upload that got its 202, and every status a client saw it in, in order.</summary>
public sealed class AcceptedUpload(Guid id, MediaClient user, TimeSpan acceptedAt)
{
    private static readonly string[] Order = ["pending", "uploaded", "processing", "ready"];
    private readonly ConcurrentQueue<string> _seen = new();

    public Guid Id { get; } = id;

    public MediaClient User { get; } = user;

    /// <summary>When it got its 202, on the load's clock.</summary>
    public TimeSpan AcceptedAt { get; } = acceptedAt;

    public string? Status { get; private set; }

    public bool IsFinal => Status is "ready" or "failed";

    public IReadOnlyCollection<string> Seen => _seen;

    public void Observe(string status)
    {
        _seen.Enqueue(status);
        Status = status;
    }

    /// <summary>
    /// True when a client saw the item go back (ready, then processing again; processing, then uploaded): what a second
    /// processing of the same upload would look like from outside.
    /// </summary>
    public bool WentBack()
    {
        var rank = -1;
        foreach (var status in _seen)
        {
            var next = status == "failed" ? Order.Length : Array.IndexOf(Order, status);
            if (next < rank || (rank >= Order.Length - 1 && next != rank))
            {
                return true;
            }

            rank = next;
        }

        return false;
    }
}
