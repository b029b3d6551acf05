using Platform.Api.Data;
using Platform.Api.Features.Accounts;
using Platform.Api.Features.Diagnostics;
using Platform.Api.Features.Media;
using Platform.Api.Infrastructure;

if (args.Contains(DataExtensions.MigrateOnlyArgument))
{
    await DataExtensions.MigrateOnlyAsync(args);
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPlatformData();
builder.AddPlatformRedisClient("redis");
builder.AddS3BucketClient("storage");
builder.AddSqsQueueClient("messaging");
builder.AddApiDefaults();
builder.AddAccounts();
builder.AddMedia();

var app = builder.Build();

// The client address behind trusted proxies (see AddAccounts). In AWS, ASPNETCORE_FORWARDEDHEADERS_ENABLED has
// ASP.NET Core add this middleware already; a second pass would read one more (untrusted) entry of X-Forwarded-For.
if (!app.Configuration.GetValue<bool>("FORWARDEDHEADERS_ENABLED"))
{
    app.UseForwardedHeaders();
}

app.UseApiDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapAccountEndpoints();
app.MapMediaEndpoints();
app.MapDiagnosticsEndpoints();

await app.MigrateDatabaseAsync();
app.Run();
