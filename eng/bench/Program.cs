// The media pipeline's closing numbers, each reported as a ratio to a baseline measured in the same run on the same
// machine, so the numbers mean something on another machine too:
//   1. complete → ready for a 12-megapixel JPEG, against the Worker's own thumbnailer run in this process on the same
//      file (the irreducible image work; the rest is download, S3, Postgres, SQS, cache and polling).
//   2. throughput on 200 small images, against 200 no-op messages (diagnostic pings) through the same Api → SQS →
//      Worker → Postgres path.
// It starts the real AppHost (process runtime, throw-away data folder) once, like the integration tests.
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetVips;
using Platform.Worker.Features.Media;

const int BigRuns = 5;
const int SmallImages = 200;
const int Users = 20;
var timeout = TimeSpan.FromMinutes(10);
using var cts = new CancellationTokenSource(timeout);
var ct = cts.Token;

var data = Directory.CreateTempSubdirectory("platform-bench-");
if (!OperatingSystem.IsWindows())
{
    // The postgres user runs the database when this runs as root: it must be able to enter the folder.
    File.SetUnixFileMode(data.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
}

Console.WriteLine($"Starting the AppHost (process runtime, data in {data.FullName}) …");
var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
    ["--Platform:LocalRuntime=processes", $"--Platform:DataDirectory={data.FullName}"],
    (options, _) => options.DisableDashboard = true, ct);
builder.Services.AddLogging(logging => logging.ClearProviders()); // only the results on the console
await using var app = await builder.BuildAsync(ct);
await app.StartAsync(ct);
var model = app.Services.GetRequiredService<DistributedApplicationModel>();
await Task.WhenAll(model.Resources
    .Where(r => r is not ParameterResource && !r.HasAnnotationOfType<ExplicitStartupAnnotation>())
    .Select(r => app.ResourceNotifications.WaitForResourceHealthyAsync(r.Name, ct)));
var apiUrl = app.GetEndpoint("api", "http");
using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

try
{
    // 1. A 12 MP JPEG: a gradient with film-grain noise, so it compresses like a photo rather than like a flat image.
    var big = PhotoJpeg(4000, 3000, blue: 96, grain: 24);

    var bigFile = Path.Combine(data.FullName, "12mp.jpg");
    await File.WriteAllBytesAsync(bigFile, big, ct);
    var thumbnailer = new ImageThumbnailer(new MediaProcessingOptions());
    thumbnailer.Process(bigFile, "image/jpeg"); // warm-up
    var raw = new List<double>();
    for (var i = 0; i < BigRuns; i++)
    {
        var started = Stopwatch.GetTimestamp();
        thumbnailer.Process(bigFile, "image/jpeg");
        raw.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    using var bigUser = await SignUpAsync(apiUrl, ct);
    await UploadAndWaitAsync(bigUser, storage, big, "warm-up.jpg", ct); // warm-up: JIT, connections, libvips
    var endToEnd = new List<double>();
    for (var i = 0; i < BigRuns; i++)
    {
        endToEnd.Add(await UploadAndWaitAsync(bigUser, storage, big, $"photo-{i}.jpg", ct));
    }

    // 2. Baseline: 200 no-op messages through Api → SQS → Worker → Postgres. Pings need a signed-in user and take from
    //    the user's write allowance, so they are spread over the same 20 users as the images below.
    var users = await Task.WhenAll(Enumerable.Range(0, Users).Select(_ => SignUpAsync(apiUrl, ct)));
    var pinger = users[0];
    var pingIds = new List<Guid>();
    var pingStart = Stopwatch.GetTimestamp();
    foreach (var chunk in Enumerable.Range(0, SmallImages).Chunk(Users))
    {
        var sent = await Task.WhenAll(chunk.Select((_, i) => users[i].PostAsync("/api/diagnostics/pings", null, ct)));
        foreach (var response in sent)
        {
            pingIds.Add((await response.Content.ReadFromJsonAsync<PingResponse>(ct))!.Id);
        }
    }

    var pending = new HashSet<Guid>(pingIds);
    while (pending.Count > 0)
    {
        var checks = await Task.WhenAll(pending.Take(50).Select(async id =>
            (id, (await pinger.GetFromJsonAsync<PingResponse>($"/api/diagnostics/pings/{id}", ct))!.ReceivedAt)));
        pending.ExceptWith(checks.Where(c => c.ReceivedAt is not null).Select(c => c.id));
        if (pending.Count > 0)
        {
            await Task.Delay(100, ct);
        }
    }

    var pingSeconds = Stopwatch.GetElapsedTime(pingStart).TotalSeconds;

    // 3. 200 small images (640×480 JPEG): all uploaded first, then the clock runs from the first complete to the last
    //    ready. Spread over 20 users, as real traffic is (and within each user's write limit).
    var small = PhotoJpeg(640, 480, blue: 64, grain: 6);

    var uploads = await Task.WhenAll(users.Select(async user =>
    {
        var ids = new List<Guid>();
        for (var i = 0; i < SmallImages / Users; i++)
        {
            ids.Add(await CreateAndPutAsync(user, storage, small, $"small-{i}.jpg", ct));
        }

        return (user, ids);
    }));
    var imageStart = Stopwatch.GetTimestamp();
    await Task.WhenAll(uploads.Select(async u =>
    {
        foreach (var id in u.ids)
        {
            (await u.user.PostAsync($"/api/media/{id}/complete", null, ct)).EnsureSuccessStatusCode();
        }
    }));
    var remaining = new HashSet<HttpClient>(users);
    while (remaining.Count > 0)
    {
        var pages = await Task.WhenAll(remaining.Select(async user => (user, (await user.GetFromJsonAsync<MediaPage>("/api/media?pageSize=100", ct))!)));
        remaining.ExceptWith(pages.Where(p => p.Item2.Items.All(i => i.Status is "ready" or "failed")).Select(p => p.user));
        if (remaining.Count > 0)
        {
            await Task.Delay(100, ct);
        }
    }

    var imageSeconds = Stopwatch.GetElapsedTime(imageStart).TotalSeconds;
    var failed = 0;
    foreach (var user in users)
    {
        failed += (await user.GetFromJsonAsync<MediaPage>("/api/media?pageSize=100", ct))!.Items.Count(i => i.Status != "ready");
    }

    var rawMedian = Median(raw);
    var e2eMedian = Median(endToEnd);
    Console.WriteLine();
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, worker concurrency = max(2, cores)");
    Console.WriteLine($"12 MP JPEG ({big.Length / 1024.0 / 1024.0:F1} MiB, 4000x3000), median of {BigRuns}:");
    Console.WriteLine($"  baseline: Worker thumbnailer in-process (both WebP sizes)  {rawMedian,8:F0} ms");
    Console.WriteLine($"  complete -> ready through the system                        {e2eMedian,8:F0} ms   ({e2eMedian / rawMedian:F2}x baseline)");
    Console.WriteLine($"{SmallImages} small images ({small.Length / 1024.0:F0} KiB, 640x480), {failed} not ready:");
    Console.WriteLine($"  baseline: {SmallImages} no-op pings Api->SQS->Worker->Postgres     {SmallImages / pingSeconds,8:F1} msg/s ({pingSeconds:F2} s)");
    Console.WriteLine($"  images complete -> all ready                                {SmallImages / imageSeconds,8:F1} img/s ({imageSeconds:F2} s, {imageSeconds / pingSeconds:F2}x the baseline's time)");
    return failed == 0 ? 0 : 1;
}
finally
{
    await app.StopAsync(CancellationToken.None);
    try
    {
        data.Delete(recursive: true);
    }
    catch (IOException)
    {
        // Postgres may still be flushing; the folder is in the temp directory.
    }
}

/// <summary>A JPEG that compresses like a photo: a colour gradient with film-grain noise.</summary>
static byte[] PhotoJpeg(int width, int height, int blue, double grain)
{
    using var xy = Image.Xyz(width, height);
    using var gradient = (xy * new[] { 255.0 / width, 255.0 / height }).Bandjoin(Image.Black(width, height) + blue);
    using var noise = Image.Gaussnoise(width, height, sigma: grain);
    using var photo = (gradient + noise).Cast(Enums.BandFormat.Uchar);
    return photo.JpegsaveBuffer(q: 85);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task<HttpClient> SignUpAsync(Uri apiUrl, CancellationToken ct)
{
    var client = new HttpClient { BaseAddress = apiUrl, Timeout = TimeSpan.FromMinutes(2) };
    var email = $"bench-{Guid.NewGuid():N}@example.test";
    const string password = "Bench-Password-1";
    (await client.PostAsJsonAsync("/api/auth/register", new { email, password }, ct)).EnsureSuccessStatusCode();
    var login = await (await client.PostAsJsonAsync("/api/auth/login", new { email, password }, ct)).Content.ReadFromJsonAsync<Tokens>(ct);
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login!.AccessToken);
    return client;
}

static async Task<Guid> CreateAndPutAsync(HttpClient api, HttpClient storage, byte[] bytes, string fileName, CancellationToken ct)
{
    var response = await api.PostAsJsonAsync("/api/media", new { fileName, contentType = "image/jpeg", size = bytes.Length }, ct);
    if (response.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"create answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    var created = (await response.Content.ReadFromJsonAsync<Created>(ct))!;
    using var content = new ByteArrayContent(bytes);
    content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    (await storage.PutAsync(created.UploadUrl, content, ct)).EnsureSuccessStatusCode();
    return created.Id;
}

/// <summary>Milliseconds from sending complete to the first poll that sees the item ready (polling every 20 ms).</summary>
static async Task<double> UploadAndWaitAsync(HttpClient api, HttpClient storage, byte[] bytes, string fileName, CancellationToken ct)
{
    var id = await CreateAndPutAsync(api, storage, bytes, fileName, ct);
    var started = Stopwatch.GetTimestamp();
    (await api.PostAsync($"/api/media/{id}/complete", null, ct)).EnsureSuccessStatusCode();
    while (true)
    {
        var item = (await api.GetFromJsonAsync<MediaItem>($"/api/media/{id}", ct))!;
        if (item.Status == "ready")
        {
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        if (item.Status == "failed")
        {
            throw new InvalidOperationException($"{fileName} failed: {item.FailureReason}");
        }

        await Task.Delay(20, ct);
    }
}

internal sealed record Tokens(string AccessToken);

internal sealed record Created(Guid Id, string UploadUrl);

internal sealed record MediaItem(Guid Id, string Status, string? FailureReason);

internal sealed record MediaPage(List<MediaItem> Items, int TotalCount);

internal sealed record PingResponse(Guid Id, DateTimeOffset? ReceivedAt);
