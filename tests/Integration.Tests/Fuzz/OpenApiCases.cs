using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Integration.Tests.Fuzz;

/// <summary>A signed-in user of the fuzz run, with items of their own for the <c>{id}</c> routes to hit.</summary>
public sealed record FuzzUser(string AccessToken, string RefreshToken, Guid PendingItemId, Guid MultipartItemId);

/// <summary>
/// Reads the Api's OpenAPI document (<c>/openapi/v1.json</c>) and makes hostile requests for every operation in it: a
/// plausible request first, then each path and query parameter replaced by hostile URL values, each property of the JSON
/// body (nested ones too) replaced by hostile JSON values or left out, whole bodies that are not the JSON the operation
/// reads, and, for operations that need a signed-in user, credentials that must not let anybody in. Which hostile values a
/// property gets is drawn from the fixed lists in <see cref="HostileInput"/> by a seeded <see cref="Random"/>.
/// </summary>
public sealed class OpenApiCases(JsonElement document, Uri baseAddress, IReadOnlyList<FuzzUser> users, Random random)
{
    /// <summary>Hostile values tried per body property (null is always one of them).</summary>
    private const int ValuesPerProperty = 12;

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private int _userTurn;

    /// <summary>The operations the document describes, as "METHOD /path".</summary>
    public List<string> Operations { get; } = [];

    public IEnumerable<FuzzCase> All()
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in Methods)
            {
                if (path.Value.TryGetProperty(method, out var operation))
                {
                    Operations.Add($"{method.ToUpperInvariant()} {path.Name}");
                    foreach (var fuzzCase in CasesFor(path.Name, method.ToUpperInvariant(), path.Value, operation))
                    {
                        yield return fuzzCase;
                    }
                }
            }
        }
    }

    private IEnumerable<FuzzCase> CasesFor(string template, string method, JsonElement pathItem, JsonElement operation)
    {
        var name = $"{method} {template}";
        var secured = operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0;
        var parameters = Parameters(pathItem, operation);
        var bodySchema = operation.TryGetProperty("requestBody", out var requestBody)
            && requestBody.TryGetProperty("content", out var content)
            && content.TryGetProperty("application/json", out var json)
            && json.TryGetProperty("schema", out var schema)
                ? schema
                : (JsonElement?)null;

        JsonNode? PlausibleBody() => bodySchema is { } s ? Plausible(s, "", depth: 0) : null;
        FuzzCase Case(string what, Func<FuzzUser, string> url, Func<HttpContent?>? body = null, Func<FuzzUser, string?>? authorization = null)
        {
            var user = users[_userTurn++ % users.Count];
            return new FuzzCase($"{name} {what}", () =>
            {
                var request = new HttpRequestMessage(new HttpMethod(method), Absolute(url(user)));
                var header = authorization is null ? (secured ? "Bearer " + user.AccessToken : null) : authorization(user);
                if (header is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", header);
                }

                request.Content = body is null ? JsonContent(PlausibleBody()) : body();
                return request;
            });
        }

        string Url(FuzzUser user, string? replaced = null, string? value = null) => BuildUrl(template, parameters, user, replaced, value);

        yield return Case("plausible", user => Url(user));

        foreach (var parameter in parameters)
        {
            foreach (var (valueName, value) in HostileInput.UrlValues)
            {
                yield return Case($"{parameter.In} {parameter.Name} = {valueName}", user => Url(user, parameter.Name, value));
            }
        }

        if (bodySchema is not null && PlausibleBody() is { } plausible)
        {
            foreach (var slot in Slots(plausible, []))
            {
                var slotName = string.Join(".", slot.Select(s => s is int i ? $"[{i}]" : (string)s)).Replace(".[", "[");
                foreach (var (valueName, value) in Sample(HostileInput.PropertyValues))
                {
                    yield return Case($"body {slotName} = {valueName}", user => Url(user), () => JsonContent(With(plausible, slot, value)));
                }

                yield return Case($"body without {slotName}", user => Url(user), () => JsonContent(Without(plausible, slot)));
            }

            yield return Case("body with an unknown property", user => Url(user), () =>
            {
                var extra = plausible.DeepClone();
                if (extra is JsonObject o)
                {
                    o["isAdmin"] = true;
                    o["ownerId"] = random.NextGuid().ToString();
                }

                return JsonContent(extra);
            });

            foreach (var (bodyName, body) in HostileInput.Bodies)
            {
                yield return Case($"body {bodyName}", user => Url(user), body);
            }
        }

        if (secured)
        {
            foreach (var (authName, header) in HostileInput.BogusAuthorization)
            {
                yield return Case($"authorization {authName}", user => Url(user), authorization: user => header(user.AccessToken, user.RefreshToken));
            }
        }
    }

    private Uri Absolute(string pathAndQuery) =>
        // Sent exactly as written: no dot-segment removal or re-escaping by Uri, so traversal attempts reach the server.
        new(baseAddress.GetLeftPart(UriPartial.Authority) + pathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private static HttpContent? JsonContent(JsonNode? node) =>
        node is null ? null : new StringContent(node.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private IEnumerable<(string Name, JsonNode? Value)> Sample(IReadOnlyList<(string Name, JsonNode? Value)> values) =>
        values.Take(1).Concat(values.Skip(1).OrderBy(_ => random.Next()).Take(ValuesPerProperty - 1));

    private string BuildUrl(string template, List<Parameter> parameters, FuzzUser user, string? replaced, string? value)
    {
        var path = template;
        var query = new List<string>();
        foreach (var parameter in parameters)
        {
            var text = parameter.Name == replaced ? value! : Uri.EscapeDataString(PlausibleText(parameter, user));
            if (parameter.In == "path")
            {
                path = path.Replace("{" + parameter.Name + "}", text, StringComparison.Ordinal);
            }
            else if (parameter.In == "query")
            {
                query.Add($"{Uri.EscapeDataString(parameter.Name)}={text}");
            }
        }

        return query.Count == 0 ? path : path + "?" + string.Join("&", query);
    }

    /// <summary>A value the operation would take: the user's own item for an id, a number for a number.</summary>
    private string PlausibleText(Parameter parameter, FuzzUser user) => parameter.Name switch
    {
        "id" when parameter.Schema.ValueKind == JsonValueKind.Object && parameter.Schema.TryGetProperty("format", out var f) && f.GetString() == "uuid" =>
            (random.Next(2) == 0 ? user.PendingItemId : user.MultipartItemId).ToString(),
        "userId" => random.NextGuid().ToString(),
        _ => Plausible(parameter.Schema, parameter.Name, 0) switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonNode n => n.ToJsonString(),
            null => "",
        },
    };

    private sealed record Parameter(string Name, string In, JsonElement Schema);

    private List<Parameter> Parameters(JsonElement pathItem, JsonElement operation)
    {
        var list = new List<Parameter>();
        foreach (var source in new[] { pathItem, operation })
        {
            if (source.TryGetProperty("parameters", out var parameters))
            {
                foreach (var p in parameters.EnumerateArray())
                {
                    var resolved = Resolve(p);
                    list.Add(new Parameter(resolved.GetProperty("name").GetString()!, resolved.GetProperty("in").GetString()!,
                        resolved.TryGetProperty("schema", out var s) ? Resolve(s) : default));
                }
            }
        }

        return list.Where(p => p.In is "path" or "query").DistinctBy(p => p.Name).ToList();
    }

    private JsonElement Resolve(JsonElement element)
    {
        for (var i = 0; i < 10 && element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference); i++)
        {
            var target = document;
            foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                target = target.GetProperty(segment.Replace("~1", "/").Replace("~0", "~"));
            }

            element = target;
        }

        return element;
    }

    /// <summary>A value that satisfies the schema, with realistic strings for the fields this system knows.</summary>
    private JsonNode? Plausible(JsonElement schema, string propertyName, int depth)
    {
        schema = Resolve(schema);
        if (schema.ValueKind != JsonValueKind.Object || depth > 6)
        {
            return JsonValue.Create("fuzz");
        }

        foreach (var combinator in new[] { "allOf", "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(combinator, out var alternatives))
            {
                var chosen = alternatives.EnumerateArray().Select(Resolve)
                    .FirstOrDefault(a => !(a.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"));
                return chosen.ValueKind == JsonValueKind.Undefined ? null : Plausible(chosen, propertyName, depth + 1);
            }
        }

        var type = schema.TryGetProperty("type", out var typeElement)
            ? typeElement.ValueKind == JsonValueKind.Array
                ? typeElement.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
                : typeElement.GetString()
            : schema.TryGetProperty("properties", out _) ? "object" : "string";
        var format = schema.TryGetProperty("format", out var formatElement) ? formatElement.GetString() : null;
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        obj[property.Name] = Plausible(property.Value, property.Name, depth + 1);
                    }
                }

                return obj;
            case "array":
                return new JsonArray(schema.TryGetProperty("items", out var items) ? Plausible(items, propertyName, depth + 1) : JsonValue.Create("fuzz"));
            case "integer":
            case "number":
                return JsonValue.Create(propertyName.Equals("size", StringComparison.OrdinalIgnoreCase) ? 1234 : 1);
            case "boolean":
                return JsonValue.Create(false);
            default:
                return JsonValue.Create(format switch
                {
                    "uuid" => random.NextGuid().ToString(),
                    "date-time" => DateTimeOffset.UtcNow.ToString("o"),
                    _ => propertyName.ToLowerInvariant() switch
                    {
                        "email" or "newemail" => $"fuzz-{random.Next():x}@example.test",
                        "password" or "newpassword" or "oldpassword" => "Fuzz passphrase with 5 words",
                        "filename" => "fuzz.png",
                        "contenttype" => "image/png",
                        "etag" => "\"0123456789abcdef0123456789abcdef\"",
                        "refreshtoken" => users[0].RefreshToken,
                        _ => "fuzz",
                    },
                });
        }
    }

    /// <summary>Every place in a body a value can go: each property, and the first element of each array, recursively.</summary>
    private static IEnumerable<List<object>> Slots(JsonNode? node, List<object> path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var childPath = new List<object>(path) { key };
                    yield return childPath;
                    foreach (var nested in Slots(child, childPath))
                    {
                        yield return nested;
                    }
                }

                break;
            case JsonArray { Count: > 0 } array:
                var first = new List<object>(path) { 0 };
                yield return first;
                foreach (var nested in Slots(array[0], first))
                {
                    yield return nested;
                }

                break;
        }
    }

    private static JsonNode With(JsonNode body, List<object> slot, JsonNode? value)
    {
        var copy = body.DeepClone();
        var parent = Navigate(copy, slot[..^1]);
        switch (slot[^1])
        {
            case string key:
                parent!.AsObject()[key] = value?.DeepClone();
                break;
            case int index:
                parent!.AsArray()[index] = value?.DeepClone();
                break;
        }

        return copy;
    }

    private static JsonNode Without(JsonNode body, List<object> slot)
    {
        var copy = body.DeepClone();
        var parent = Navigate(copy, slot[..^1]);
        switch (slot[^1])
        {
            case string key:
                parent!.AsObject().Remove(key);
                break;
            case int index:
                parent!.AsArray().RemoveAt(index);
                break;
        }

        return copy;
    }

    private static JsonNode? Navigate(JsonNode? node, List<object> path)
    {
        foreach (var segment in path)
        {
            node = segment is int i ? node?.AsArray()[i] : node?.AsObject()[(string)segment];
        }

        return node;
    }
}
