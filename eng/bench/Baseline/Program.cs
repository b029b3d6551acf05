// Bare Kestrel + a minimal API returning the JSON document named by BASELINE_JSON (a real gallery page the bench saved),
// serialized on every request like the Api would serialize its response, and a health check endpoint (the cold-start
// baseline: process start → /health answers 200). Listens on BASELINE_URL.
using System.Text.Json;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddHealthChecks();
var app = builder.Build();
if (Environment.GetEnvironmentVariable("BASELINE_JSON") is { Length: > 0 } jsonFile)
{
    var page = JsonDocument.Parse(File.ReadAllBytes(jsonFile)).RootElement.Clone();
    app.MapGet("/api/media", () => Results.Json(page));
}

app.MapHealthChecks("/health");
app.Run(Environment.GetEnvironmentVariable("BASELINE_URL") ?? "http://127.0.0.1:5399");
