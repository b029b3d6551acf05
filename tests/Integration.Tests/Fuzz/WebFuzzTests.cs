using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Platform.Integration.Tests.Security;

namespace Platform.Integration.Tests.Fuzz;

/// <summary>
/// Hostile input against the Web app's pages, forms and script endpoints: bad ids, forged or missing antiforgery tokens,
/// oversized and malformed posts, bogus cookies, odd methods. Never a 5xx; a 4xx always comes with a page or, for the
/// script endpoints, a ProblemDetails. Seeded like <see cref="ApiFuzzTests"/>.
/// </summary>
public sealed class WebFuzzTests(PlatformAppFixture fixture)
{
    private const int DefaultSeed = 20261130;
    private const int ValuesPerField = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hostile_requests_to_pages_forms_and_script_endpoints_never_get_a_5xx()
    {
        var seed = FuzzRun.SeedFromEnvironment(DefaultSeed);
        var random = new Random(seed);
        using var user = await WebFormSession.SignUpAsync(fixture, $"fuzz-{Guid.NewGuid():N}@example.test", Ct);
        using var other = await WebFormSession.SignUpAsync(fixture, $"fuzz-{Guid.NewGuid():N}@example.test", Ct);
        // Signing out ends a session: the sign-out form gets hostile posts from a session of its own, last.
        using var leaver = await WebFormSession.SignUpAsync(fixture, $"fuzz-{Guid.NewGuid():N}@example.test", Ct);
        using var anonymous = WebFormSession.Open(fixture);
        var tokens = new Dictionary<string, string>
        {
            ["login"] = await anonymous.AntiforgeryTokenAsync("/account/login", Ct),
            ["register"] = await anonymous.AntiforgeryTokenAsync("/account/register", Ct),
            ["user"] = await user.AntiforgeryTokenAsync("/upload", Ct),
            ["other"] = await other.AntiforgeryTokenAsync("/upload", Ct),
            ["leaver"] = await leaver.AntiforgeryTokenAsync("/upload", Ct),
        };
        var item = await CreateUploadAsync(user, tokens["user"]);

        var run = new FuzzRun("web-fuzz", seed);
        await run.RunAsync(user.Http, SignedIn(random, tokens, item), Ct);
        var signedIn = run.Outcomes.Count;
        await run.RunAsync(anonymous.Http, Anonymous(random, tokens), Ct);
        await run.RunAsync(leaver.Http, Forms("/account/logout", [], tokens["leaver"], tokens["other"]), Ct);

        var bare = run.Outcomes.Where(o => o.Code is >= 400 and < 500 && !IsPageOrProblem(o)).ToList();
        var summary = run.Summary(bare.Count) + $"; {signedIn} signed in, {run.Outcomes.Count - signedIn} anonymous";
        run.Report(summary, bare);

        Assert.True(run.Outcomes.Count >= 300, summary);
        Assert.True(!run.ServerErrors.Any() && bare.Count == 0, summary + "\n" + string.Join("\n", run.ServerErrors.Concat(bare).Take(30)));
    }

    /// <summary>A 4xx a person or a script can act on: an HTML page, or a ProblemDetails for the script endpoints.</summary>
    private static bool IsPageOrProblem(FuzzOutcome outcome) =>
        outcome.Case.Name.StartsWith("HEAD ", StringComparison.Ordinal)
        || outcome.RefusedByServer
        || (outcome.ContentType == "text/html" && outcome.Body.Contains("<h1>", StringComparison.Ordinal))
        || FuzzRun.IsProblemDetails(outcome);

    private static IEnumerable<FuzzCase> SignedIn(Random random, Dictionary<string, string> tokens, Guid item)
    {
        // Pages with bad ids and parameters.
        foreach (var (name, value) in HostileInput.UrlValues)
        {
            yield return Get($"media details id = {name}", $"/media/{value}");
            yield return Get($"delete page id = {name}", $"/media/{value}/delete");
            yield return Get($"gallery page = {name}", $"/gallery?page={value}");
            yield return Get($"error page statusCode = {name}", $"/Error?statusCode={value}");
            yield return Get($"status ids = {name}", $"/uploads/status?ids={value}");
        }

        yield return Get("someone's unknown item", $"/media/{random.NextGuid()}");
        yield return Get("status of 61 items", "/uploads/status?ids=" + string.Join(",", Enumerable.Range(0, 61).Select(_ => random.NextGuid())));
        yield return Get("status of 60 unknown items", "/uploads/status?ids=" + string.Join(",", Enumerable.Range(0, 60).Select(_ => random.NextGuid())));

        // Forms posted with missing, forged and foreign antiforgery tokens, in the wrong format, too large.
        foreach (var fuzzCase in Forms("/account/login", new() { ["Email"] = "a@example.test", ["Password"] = "x" }, tokens["user"], tokens["other"])
                     .Concat(Forms($"/media/{item}/delete", [], tokens["user"], tokens["other"])))
        {
            yield return fuzzCase;
        }

        yield return Post("delete of an unknown item", $"/media/{random.NextGuid()}/delete", Form([], tokens["user"]));
        yield return Post("delete with a bad id", "/media/not-a-guid/delete", Form([], tokens["user"]));

        // The script endpoints: every field of an upload request replaced by hostile JSON, then whole bodies.
        var plausible = new JsonObject { ["fileName"] = "fuzz.png", ["contentType"] = "image/png", ["size"] = 1234 };
        foreach (var field in new[] { "fileName", "contentType", "size" })
        {
            foreach (var (name, value) in Sample(random, HostileInput.PropertyValues, 13))
            {
                var body = plausible.DeepClone().AsObject();
                body[field] = value?.DeepClone();
                yield return Script($"upload request {field} = {name}", "/uploads", tokens["user"], () => HostileInput.Json(body.ToJsonString()));
            }
        }

        foreach (var (name, body) in HostileInput.Bodies)
        {
            yield return Script($"upload request body {name}", "/uploads", tokens["user"], body);
            yield return Script($"complete body {name}", $"/uploads/{item}/complete", tokens["user"], body);
        }

        foreach (var field in new[] { "partNumber", "eTag" })
        {
            foreach (var (name, value) in Sample(random, HostileInput.PropertyValues, 13))
            {
                var part = new JsonObject { ["partNumber"] = 1, ["eTag"] = "\"0123456789abcdef\"" };
                part[field] = value?.DeepClone();
                var body = new JsonObject { ["parts"] = new JsonArray(part) };
                yield return Script($"complete with parts[0].{field} = {name}", $"/uploads/{item}/complete", tokens["user"], () => HostileInput.Json(body.ToJsonString()));
            }
        }

        foreach (var parts in new[] { "null", "[]", "[null]", "{}", "\"x\"", """[{"partNumber":"one","eTag":1}]""", """[{"partNumber":1,"eTag":"\"a\""}]""" })
        {
            yield return Script($"complete with parts {parts}", $"/uploads/{item}/complete", tokens["user"], () => HostileInput.Json($$"""{"parts":{{parts}}}"""));
        }

        foreach (var (name, value) in HostileInput.UrlValues)
        {
            yield return Script($"complete id = {name}", $"/uploads/{value}/complete", tokens["user"], () => null);
        }

        yield return Script("upload request without the antiforgery header", "/uploads", null, () => HostileInput.Json(plausible.ToJsonString()));
        yield return Script("upload request with another user's token", "/uploads", tokens["other"], () => HostileInput.Json(plausible.ToJsonString()));
        yield return Script("upload request with a forged token", "/uploads", "forged", () => HostileInput.Json(plausible.ToJsonString()));

        // Odd methods.
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options, HttpMethod.Head, new HttpMethod("PROPFIND") })
        {
            foreach (var path in new[] { "/gallery", "/account/login", "/uploads" })
            {
                yield return new FuzzCase($"{method} {path}", () => new HttpRequestMessage(method, path));
            }
        }

        // Log-in fields as an attacker fills them (with a valid token: the form is read, the values are the attack).
        foreach (var field in new[] { "Email", "Password", "ReturnUrl" })
        {
            foreach (var (name, value) in Sample(random, HostileInput.PropertyValues.Where(v => v.Value is JsonValue).ToList(), ValuesPerField))
            {
                var fields = new Dictionary<string, string> { ["Email"] = "a@example.test", ["Password"] = "Wrong-Passw0rd!", [field] = AsText(value) };
                yield return Post($"login {field} = {name}", "/account/login", Form(fields, tokens["user"]));
            }
        }
    }

    private static IEnumerable<FuzzCase> Forms(string form, Dictionary<string, string> fields, string token, string othersToken)
    {
        yield return Post($"{form} without a token", form, Form(fields, null));
        yield return Post($"{form} with a forged token", form, Form(fields, "CfDJ8" + new string('A', 150)));
        yield return Post($"{form} with another user's token", form, Form(fields, othersToken));
        yield return Post($"{form} as JSON", form, HostileInput.Json("{\"Email\":\"a@example.test\"}"));
        yield return Post($"{form} 100 KB", form, Form(new(fields) { ["Email"] = new string('a', 100_000) }, token));
        yield return Post($"{form} multipart with a file", form, new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(new byte[50_000]), "file", "../../etc/passwd" },
        });
    }

    private static IEnumerable<FuzzCase> Anonymous(Random random, Dictionary<string, string> tokens)
    {
        foreach (var path in new[] { "/gallery", "/upload", $"/media/{random.NextGuid()}", "/uploads/status?ids=" + random.NextGuid() })
        {
            yield return Get($"anonymous {path}", path);
        }

        yield return Script("anonymous upload request", "/uploads", tokens["login"], () => HostileInput.Json("{}"));
        foreach (var returnUrl in new[] { "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "%0d%0aSet-Cookie:%20x=1", new string('a', 2000) })
        {
            yield return Get($"login page returnUrl = {returnUrl[..Math.Min(30, returnUrl.Length)]}", $"/account/login?returnUrl={returnUrl}");
        }

        foreach (var field in new[] { "Email", "Password", "ConfirmPassword" })
        {
            foreach (var (name, value) in Sample(random, HostileInput.PropertyValues.Where(v => v.Value is JsonValue).ToList(), ValuesPerField))
            {
                var fields = new Dictionary<string, string>
                {
                    ["Email"] = $"fuzz-{random.Next():x}@example.test",
                    ["Password"] = MediaClient.Password,
                    ["ConfirmPassword"] = MediaClient.Password,
                    [field] = AsText(value),
                };
                yield return Post($"register {field} = {name}", "/account/register", Form(fields, tokens["register"]));
            }
        }

        yield return new FuzzCase("a session cookie that is garbage", () => WithCookie("/gallery", "platform.session=garbage"));
        yield return new FuzzCase("an 8 KB session cookie", () => WithCookie("/gallery", "platform.session=" + new string('a', 8000)));
        yield return new FuzzCase("a forged antiforgery cookie", () =>
        {
            var request = WithCookie("/account/login", ".AspNetCore.Antiforgery.x=forged");
            request.Method = HttpMethod.Post;
            request.Content = Form(new() { ["Email"] = "a@example.test", ["Password"] = "x" }, tokens["login"]);
            return request;
        });
    }

    private static FuzzCase Get(string name, string path) => new($"GET {name}", () => new HttpRequestMessage(HttpMethod.Get, Raw(path)));

    private static FuzzCase Post(string name, string path, HttpContent content) =>
        new($"POST {name}", () => new HttpRequestMessage(HttpMethod.Post, Raw(path)) { Content = Clone(content) });

    private static FuzzCase Script(string name, string path, string? token, Func<HttpContent?> body) =>
        new($"POST {name}", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Raw(path)) { Content = body() };
            if (token is not null)
            {
                request.Headers.TryAddWithoutValidation("RequestVerificationToken", token);
            }

            return request;
        });

    private static HttpRequestMessage WithCookie(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Cookie", cookie);
        return request;
    }

    /// <summary>A relative URI kept as written (escapes included), resolved against the client's base address.</summary>
    private static Uri Raw(string path) => new(path, UriKind.Relative);

    private static FormUrlEncodedContent Form(Dictionary<string, string> fields, string? token)
    {
        var all = new Dictionary<string, string>(fields);
        if (token is not null)
        {
            all["__RequestVerificationToken"] = token;
        }

        return new FormUrlEncodedContent(all);
    }

    /// <summary>Content is read once per request; the cases keep their own copy.</summary>
    private static HttpContent Clone(HttpContent content)
    {
        var bytes = content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var copy = new ByteArrayContent(bytes);
        foreach (var header in content.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }

    private static string AsText(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) ? text : value?.ToJsonString() ?? "";

    private static IEnumerable<(string Name, JsonNode? Value)> Sample(Random random, IReadOnlyList<(string Name, JsonNode? Value)> values, int count) =>
        values.OrderBy(_ => random.Next()).Take(count);

    private static async Task<Guid> CreateUploadAsync(WebFormSession user, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/uploads")
        {
            Content = new StringContent("""{"fileName":"fuzz.png","contentType":"image/png","size":1234}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("RequestVerificationToken", token);
        using var response = await user.Http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        var ticket = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        return Guid.Parse(ticket["id"]!.GetValue<string>());
    }
}
