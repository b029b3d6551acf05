// Bare Kestrel + a minimal API returning the JSON document named by BASELINE_JSON (a real gallery page the bench saved),
// serialized on every request like the Api would serialize its response. Listens on BASELINE_URL.
using System.Text.Json;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var page = JsonDocument.Parse(File.ReadAllBytes(Environment.GetEnvironmentVariable("BASELINE_JSON")!)).RootElement.Clone();
app.MapGet("/api/media", () => Results.Json(page));
app.Run(Environment.GetEnvironmentVariable("BASELINE_URL") ?? "http://127.0.0.1:5399");
