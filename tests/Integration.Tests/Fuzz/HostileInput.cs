using System.Text;
using System.Text.Json.Nodes;

namespace Platform.Integration.Tests.Fuzz;

/// <summary>
/// The hand-written nasties: values a JSON property, a path segment or a query parameter may carry, and whole bodies
/// that are not what an endpoint reads. Fixed lists; a seeded <see cref="Random"/> picks from them.
/// </summary>
public static class HostileInput
{
    /// <summary>Values for any JSON property, whatever its declared type: wrong types, extremes, names that attack.</summary>
    public static IReadOnlyList<(string Name, JsonNode? Value)> PropertyValues { get; } =
    [
        ("null", null),
        ("true", JsonValue.Create(true)),
        ("zero", JsonValue.Create(0)),
        ("minus one", JsonValue.Create(-1)),
        ("int32 max + 1", JsonValue.Create(2147483648L)),
        ("int64 max + 1", JsonNode.Parse("9223372036854775808")),
        ("1e400", JsonNode.Parse("1e400")),
        ("fraction", JsonValue.Create(1.5)),
        ("negative huge", JsonValue.Create(-1e308)),
        ("empty string", JsonValue.Create("")),
        ("blank string", JsonValue.Create("   ")),
        ("20k characters", JsonValue.Create(new string('a', 20_000))),
        ("10k-character e-mail", JsonValue.Create(new string('a', 10_000) + "@example.test")),
        ("control characters", JsonValue.Create("a\u0000b\u0001c\u001fd\u007f.png")),
        ("CRLF header injection", JsonValue.Create("x\r\nSet-Cookie: injected=1")),
        ("path traversal", JsonValue.Create("../../../../etc/passwd")),
        ("windows traversal", JsonValue.Create("..\\..\\..\\Windows\\win.ini")),
        ("encoded traversal", JsonValue.Create("%2e%2e%2f%2e%2e%2fetc%2fpasswd")),
        ("device name", JsonValue.Create("CON")),
        ("bidi override", JsonValue.Create("\u202Egnp.exe")),
        ("markup", JsonValue.Create("<script>alert(1)</script>")),
        ("SQL", JsonValue.Create("' OR '1'='1'; DROP TABLE media_items; --")),
        ("JNDI", JsonValue.Create("${jndi:ldap://127.0.0.1/a}")),
        ("emoji", JsonValue.Create(string.Concat(Enumerable.Repeat("😀", 300)))),
        ("lone surrogate", JsonValue.Create("\ud800")),
        ("number as string", JsonValue.Create("12")),
        ("array", new JsonArray()),
        ("array of null", new JsonArray((JsonNode?)null)),
        ("object", new JsonObject()),
        ("nested 60 deep", Nested(60)),
    ];

    /// <summary>Values for a route segment or query parameter, already escaped for a URL (or deliberately not).</summary>
    public static IReadOnlyList<(string Name, string Value)> UrlValues { get; } =
    [
        ("empty", ""),
        ("not a GUID", "not-a-guid"),
        ("zero GUID", Guid.Empty.ToString()),
        ("GUID in braces", Uri.EscapeDataString("{5d7e1e52-7a1c-4b39-9d55-0d6d3f1c2b7a}")),
        ("negative", "-1"),
        ("int32 max + 1", "2147483648"),
        ("huge number", "99999999999999999999999"),
        ("exponent", "1e3"),
        ("encoded traversal", "..%2F..%2F..%2Fetc%2Fpasswd"),
        ("double-encoded traversal", "%252e%252e%252f"),
        ("NUL", "%00"),
        ("control characters", "%01%1F%7F"),
        ("bad UTF-8", "%C3%28%FF%FE"),
        ("SQL", Uri.EscapeDataString("1' OR '1'='1")),
        ("markup", Uri.EscapeDataString("<script>alert(1)</script>")),
        ("2000 characters", new string('a', 2000)),
    ];

    /// <summary>Whole request bodies an endpoint that reads JSON must refuse with a 4xx.</summary>
    public static IReadOnlyList<(string Name, Func<HttpContent> Content)> Bodies { get; } =
    [
        ("empty JSON body", () => Json("")),
        ("JSON null", () => Json("null")),
        ("JSON array", () => Json("[]")),
        ("JSON string", () => Json("\"text\"")),
        ("JSON number", () => Json("123")),
        ("truncated JSON", () => Json("{\"a\":")),
        ("two documents", () => Json("{}{}")),
        ("comments", () => Json("{/* comment */}")),
        ("trailing comma", () => Json("{\"a\":1,}")),
        ("NaN", () => Json("{\"a\":NaN}")),
        ("duplicate keys", () => Json("{\"a\":1,\"a\":2}")),
        ("10,000 nested arrays", () => Json(new string('[', 10_000) + new string(']', 10_000))),
        ("5,000 nested objects", () => Json(string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000))),
        ("bad UTF-8", () => Bytes("application/json", [.. "{\"a\":\""u8, 0xC3, 0x28, 0xFF, 0xFE, .. "\"}"u8])),
        ("UTF-16 body", () => Bytes("application/json; charset=utf-16", Encoding.Unicode.GetBytes("{\"a\":\"b\"}"))),
        ("unknown charset", () => Bytes("application/json; charset=x-fuzz-1337", "{}"u8.ToArray())),
        ("text/plain", () => Bytes("text/plain", "{}"u8.ToArray())),
        ("XML", () => Bytes("application/xml", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>"u8.ToArray())),
        ("form", () => new FormUrlEncodedContent([new("a", "b")])),
        ("multipart", () => new MultipartFormDataContent { { new StringContent("x"), "file", "../../evil.png" } }),
        ("no content type", () => new ByteArrayContent("{}"u8.ToArray())),
        ("100 KB body", () => Json("{\"a\":\"" + new string('a', 100_000) + "\"}")),
    ];

    /// <summary>Authorization headers that must never let anybody in.</summary>
    public static IReadOnlyList<(string Name, Func<string, string, string?> Header)> BogusAuthorization { get; } =
    [
        ("no token", (_, _) => null),
        ("garbage bearer", (_, _) => "Bearer garbage"),
        ("empty bearer", (_, _) => "Bearer "),
        ("4000-character bearer", (_, _) => "Bearer " + new string('A', 4000)),
        ("basic", (_, _) => "Basic " + Convert.ToBase64String("admin:admin"u8.ToArray())),
        ("tampered token", (access, _) => "Bearer " + Tamper(access)),
        ("refresh token as access token", (_, refresh) => "Bearer " + refresh),
        ("JWT with alg none", (_, _) => "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."),
    ];

    /// <summary>A GUID drawn from the run's seeded random: the same cases in every run of a seed.</summary>
    public static Guid NextGuid(this Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(string contentType, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonObject();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["a"] = node };
        }

        return node;
    }

    /// <summary>The same token with one character in the middle changed: the signature no longer matches.</summary>
    private static string Tamper(string token)
    {
        var chars = token.ToCharArray();
        var middle = chars.Length / 2;
        chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
        return new string(chars);
    }
}
