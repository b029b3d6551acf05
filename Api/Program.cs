using Platform.Api.Data;
using Platform.Api.Features.Diagnostics;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPlatformData();
builder.AddRedisClient("redis");
builder.AddS3BucketClient("storage");
builder.AddSqsQueueClient("messaging");
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapDiagnosticsEndpoints();

await app.MigrateDatabaseAsync();
app.Run();
