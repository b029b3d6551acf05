using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests.Fuzz;

/// <summary>
/// Hostile input against the Api, generated from its own OpenAPI document plus hand-written nasties: whatever arrives,
/// the answer is never a 5xx, and every 4xx is a ProblemDetails that says what is wrong. Seeded: the test output names
/// the seed, and <c>FUZZ_SEED=n</c> replays a run.
/// </summary>
public sealed class ApiFuzzTests(PlatformAppFixture fixture)
{
    private const int DefaultSeed = 20261130;
    private const int Users = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hostile_requests_to_every_operation_never_get_a_5xx_and_every_4xx_is_a_problem_details()
    {
        var seed = FuzzRun.SeedFromEnvironment(DefaultSeed);
        using var api = MediaClient.Anonymous(fixture);
        var users = new List<FuzzUser>();
        for (var i = 0; i < Users; i++)
        {
            users.Add(await SignUpWithItemsAsync(api, Ct));
        }

        using var document = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json", Ct));
        var generated = new OpenApiCases(document.RootElement, api.BaseAddress!, users, new Random(seed));
        var run = new FuzzRun("api-fuzz", seed);

        await run.RunAsync(api, generated.All().Concat(HandWritten(users)), Ct);

        var notProblemDetails = run.Outcomes
            .Where(o => o.Code is >= 400 and < 500 && o.Case.Name.Split(' ')[0] != "HEAD" && !o.RefusedByServer && !FuzzRun.IsProblemDetails(o))
            .ToList();
        var summary = run.Summary(notProblemDetails.Count) + $"; {generated.Operations.Count} operations from /openapi/v1.json";
        run.Report(summary, notProblemDetails);

        Assert.Superset(
            new HashSet<string> { "POST /api/auth/register", "POST /api/auth/login", "POST /api/media", "POST /api/media/{id}/complete", "POST /api/diagnostics/pings" },
            generated.Operations.ToHashSet());
        Assert.True(run.Outcomes.Count >= 300, summary);
        Assert.True(!run.ServerErrors.Any() && notProblemDetails.Count == 0,
            summary + "\n" + string.Join("\n", run.ServerErrors.Concat(notProblemDetails).Take(30)));
    }

    /// <summary>The cases no schema suggests: part lists gone wrong, someone else's ids, odd methods, raw traversal.</summary>
    private static IEnumerable<FuzzCase> HandWritten(List<FuzzUser> users)
    {
        var (owner, other) = (users[0], users[1]);
        FuzzCase As(FuzzUser? user, string name, HttpMethod method, string path, Func<HttpContent?>? body = null, Action<HttpRequestMessage>? configure = null) =>
            new(name, () =>
            {
                var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body?.Invoke() };
                if (user is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
                }

                configure?.Invoke(request);
                return request;
            });

        // An oversized e-mail and null credentials: a 4xx that says what is wrong, never a 500.
        yield return As(null, "register with a 10,000-character e-mail", HttpMethod.Post, "/api/auth/register",
            () => JsonContent.Create(new { email = new string('a', 10_000) + "@example.test", password = "Fuzz-Passw0rd!" }));
        yield return As(null, "login with null e-mail and password", HttpMethod.Post, "/api/auth/login",
            () => HostileInput.Json("""{"email":null,"password":null}"""));
        yield return As(null, "login asking for a cookie", HttpMethod.Post, "/api/auth/login?useCookies=true",
            () => JsonContent.Create(new { email = "nobody@example.test", password = "x" }));
        yield return As(null, "refresh with null", HttpMethod.Post, "/api/auth/refresh", () => HostileInput.Json("""{"refreshToken":null}"""));
        yield return As(null, "confirmEmail with a user id that is not a GUID", HttpMethod.Get, "/api/auth/confirmEmail?userId=abc&code=x");

        // Part lists of a multipart upload, gone wrong in every way a client can get them wrong.
        var complete = $"/api/media/{owner.MultipartItemId}/complete";
        string[] partLists =
        [
            "[]", "null", "\"parts\"", "{}", "[null]", "[1,2,3]",
            """[{"partNumber":0,"eTag":"\"a\""}]""",
            """[{"partNumber":-1,"eTag":"\"a\""}]""",
            """[{"partNumber":2147483648,"eTag":"\"a\""}]""",
            """[{"partNumber":1.5,"eTag":"\"a\""}]""",
            """[{"partNumber":"1","eTag":"\"a\""}]""",
            """[{"partNumber":1,"eTag":"\"a\""},{"partNumber":1,"eTag":"\"a\""},{"partNumber":2,"eTag":"\"b\""},{"partNumber":3,"eTag":"\"c\""}]""",
            """[{"partNumber":1,"eTag":null},{"partNumber":2},{"eTag":"\"c\""}]""",
            $$"""[{"partNumber":1,"eTag":"{{new string('e', 10_000)}}"},{"partNumber":2,"eTag":"\"b\""},{"partNumber":3,"eTag":"\"c\""}]""",
            """[{"partNumber":1,"eTag":"\"a\u0000\r\n\""},{"partNumber":2,"eTag":"\"b\""},{"partNumber":3,"eTag":"\"c\""}]""",
            "[" + string.Join(",", Enumerable.Range(1, 600).Select(n => $$"""{"partNumber":{{n}},"eTag":"\"{{n}}\""}""")) + "]",
            """[{"partNumber":3,"eTag":"\"c\""},{"partNumber":2,"eTag":"\"b\""},{"partNumber":1,"eTag":"\"a\""}]""",
        ];
        foreach (var parts in partLists)
        {
            yield return As(owner, $"complete with parts {(parts.Length > 80 ? parts[..80] + "…" : parts)}", HttpMethod.Post, complete,
                () => HostileInput.Json($$"""{"parts":{{parts}}}"""));
        }

        yield return As(owner, "complete a single-PUT item with a part list", HttpMethod.Post, $"/api/media/{owner.PendingItemId}/complete",
            () => HostileInput.Json("""{"parts":[{"partNumber":1,"eTag":"\"a\""}]}"""));

        // Someone else's items: exactly like items that do not exist.
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            yield return As(other, $"{method} someone else's item", method, $"/api/media/{owner.PendingItemId}");
        }

        yield return As(other, "complete someone else's item", HttpMethod.Post, $"/api/media/{owner.MultipartItemId}/complete");
        yield return As(other, "trace of someone else's item", HttpMethod.Get, $"/api/diagnostics/media/{owner.PendingItemId}");

        // Methods and routes nobody maps.
        foreach (var method in new[] { HttpMethod.Options, HttpMethod.Trace, HttpMethod.Patch, HttpMethod.Put, HttpMethod.Head, new HttpMethod("PROPFIND") })
        {
            yield return As(owner, $"{method} /api/media", method, "/api/media");
        }

        yield return As(null, "PUT /api/auth/login", HttpMethod.Put, "/api/auth/login", () => HostileInput.Json("{}"));
        foreach (var path in new[] { "/api/media/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/api/media/%00", "/api/media/%C0%AE%C0%AE/", "/api/nothing-here", "/api/auth/manage/../../media" })
        {
            yield return As(owner, $"GET {path}", HttpMethod.Get, path);
        }

        // Query strings and headers out of proportion.
        yield return As(owner, "1,000 query parameters", HttpMethod.Get,
            "/api/media?" + string.Join("&", Enumerable.Range(0, 1000).Select(i => $"p{i}={i}")));
        yield return As(owner, "page given twice", HttpMethod.Get, "/api/media?page=1&page=2");
        yield return As(owner, "a 16 KB header", HttpMethod.Get, "/api/media", configure: r => r.Headers.TryAddWithoutValidation("X-Fuzz", new string('x', 16_000)));
        yield return As(owner, "two authorization headers", HttpMethod.Get, "/api/media",
            configure: r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer second"));
    }

    private static async Task<FuzzUser> SignUpWithItemsAsync(HttpClient api, CancellationToken ct)
    {
        var email = $"fuzz-{Guid.NewGuid():N}@example.test";
        (await api.PostAsJsonAsync("/api/auth/register", new { email, password = MediaClient.Password }, ct)).EnsureSuccessStatusCode();
        var login = await api.PostAsJsonAsync("/api/auth/login", new { email, password = MediaClient.Password }, ct);
        login.EnsureSuccessStatusCode();
        var tokens = (await login.Content.ReadFromJsonAsync<Tokens>(ct))!;

        async Task<Guid> CreateAsync(long size)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/media")
            {
                Content = JsonContent.Create(new { fileName = "fuzz.png", contentType = "image/png", size }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
            using var response = await api.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<Created>(ct))!.Id;
        }

        // A single-PUT item and one large enough for three parts: the {id} routes reach real rows of this user.
        return new FuzzUser(tokens.AccessToken, tokens.RefreshToken, await CreateAsync(1234), await CreateAsync(20 * 1024 * 1024));
    }

    private sealed record Tokens(string AccessToken, string RefreshToken);

    private sealed record Created(Guid Id);
}
