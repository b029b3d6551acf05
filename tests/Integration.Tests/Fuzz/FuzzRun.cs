using System.Net;
using System.Text;
using System.Text.Json;

namespace Platform.Integration.Tests.Fuzz;

/// <summary>One hostile request: a name that says how to reproduce it, and how to build it.</summary>
public sealed record FuzzCase(string Name, Func<HttpRequestMessage> Build);

/// <summary>What a service answered to one case.</summary>
public sealed record FuzzOutcome(FuzzCase Case, HttpStatusCode Status, string? ContentType, string Body, bool ConnectionClosed = false)
{
    public int Code => (int)Status;

    /// <summary>
    /// Refused by Kestrel itself (a request line it cannot parse, a NUL in the path, a URL or headers over its limits):
    /// an empty 400/414/431 and a closed connection, written before any application code runs, so no ProblemDetails
    /// is possible. In AWS the load balancer answers these first.
    /// </summary>
    public bool RefusedByServer => Code is 400 or 414 or 431 && Body.Length == 0 && ContentType is null && ConnectionClosed;

    public override string ToString()
    {
        var body = new string((Body.Length > 300 ? Body[..300] + "…" : Body).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return $"{Code} {ContentType ?? "(no content type)"} <- {Case.Name}: {body}";
    }
}

/// <summary>
/// Sends the cases one after another (the order, and so every answer that depends on an earlier one, is the same in every
/// run of a seed) and keeps the figures the test prints: cases, 5xx, and 4xx that are not a ProblemDetails.
/// </summary>
public sealed class FuzzRun(string name, int seed)
{
    /// <summary>FUZZ_SEED=n reproduces a run (the test output names the seed it used).</summary>
    public static int SeedFromEnvironment(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : fallback;

    public List<FuzzOutcome> Outcomes { get; } = [];

    /// <summary>Bodies above this are sent with <c>Expect: 100-continue</c> (curl's threshold is 1 KiB; ours stays below the services' 64 KiB limit).</summary>
    private const long LargeBodyBytes = 16 * 1024;

    /// <summary>5xx answers, and requests that got no answer at all (status 0).</summary>
    public IEnumerable<FuzzOutcome> ServerErrors => Outcomes.Where(o => o.Code is >= 500 or 0);

    public async Task RunAsync(HttpClient client, IEnumerable<FuzzCase> cases, CancellationToken ct)
    {
        foreach (var fuzzCase in cases)
        {
            using var request = fuzzCase.Build();
            if (request.Content?.Headers.ContentLength > LargeBodyBytes)
            {
                // As curl does for a large body: the server can refuse it (413) before it is sent. Without this, a server
                // that answers 413 and closes the connection while the client is still sending races the client: the
                // reset can arrive before the client reads the answer, and the client sees no answer at all (a flaky
                // "no answer" for a correct 413, seen on a loaded machine).
                request.Headers.ExpectContinue = true;
            }

            try
            {
                using var response = await client.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Outcomes.Add(new FuzzOutcome(fuzzCase, response.StatusCode, response.Content.Headers.ContentType?.MediaType, body,
                    response.Headers.ConnectionClose == true));
            }
            catch (HttpRequestException ex)
            {
                // No answer at all (the connection was closed on the request): as bad as a 5xx for the client.
                Outcomes.Add(new FuzzOutcome(fuzzCase, 0, null, $"no answer: {ex.Message} {ex.InnerException?.Message}"));
            }
        }
    }

    /// <summary>A ProblemDetails a client can show: the problem media type and a title or detail in words.</summary>
    public static bool IsProblemDetails(FuzzOutcome outcome)
    {
        if (outcome.ContentType != "application/problem+json")
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(outcome.Body);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.GetInt32() == outcome.Code
                && (HasText(root, "title") || HasText(root, "detail"));
        }
        catch (JsonException)
        {
            return false;
        }

        static bool HasText(JsonElement root, string property) =>
            root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());
    }

    /// <summary>The figures, as one line for the test output and for artifacts/figures (eng/test.sh prints them).</summary>
    public string Summary(int notProblemDetails) =>
        $"{name}: {Outcomes.Count} cases (seed {seed}), {ServerErrors.Count()} x 5xx or no answer, {notProblemDetails} x 4xx without a ProblemDetails, " +
        $"{Outcomes.Count(o => o.RefusedByServer)} refused by Kestrel before the app; " +
        $"statuses: {string.Join(", ", Outcomes.GroupBy(o => o.Code).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"))}";

    public void Report(string summary, IEnumerable<FuzzOutcome> alsoWrong)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        foreach (var outcome in ServerErrors.Concat(alsoWrong).Take(50))
        {
            TestContext.Current.TestOutputHelper?.WriteLine("  " + outcome);
        }

        Figures.Write(name, summary);
    }
}

/// <summary>
/// Figures tests measure (fuzz cases, 5xx counts) go to artifacts/figures/&lt;name&gt;.txt as well as to the test output,
/// so eng/test.sh can print them at the end of a run.
/// </summary>
public static class Figures
{
    public static void Write(string name, string line)
    {
        var directory = Path.Combine(Browser.BrowserFixture.RepositoryRoot(), "artifacts", "figures");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".txt"), line + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }
}
