using Platform.Web.Features.Accounts;
using Platform.Web.Features.Media;
using Platform.Web.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebSecurity();
builder.AddScriptEndpointProblems();
builder.AddPlatformRedisClient("redis");
builder.AddWebAccounts();
builder.AddWebMedia();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddRazorPages(options =>
{
    options.Conventions.AuthorizeFolder("/Media");
    options.Conventions.AuthorizePage("/Gallery");
    options.Conventions.AuthorizePage("/Upload");
});

var app = builder.Build();

app.UseWebSecurity();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/Error", "?statusCode={0}");

// Routing runs here, after the security headers and error pages, and static assets end the request in it (they are
// short-circuited): a stylesheet or script is served without reading the session from Redis, so it costs no Redis
// call and loads even while Redis is down.
app.UseRouting();
app.UseAuthentication();
app.UseMiddleware<SessionStoreUnavailableMiddleware>();
app.UseMiddleware<SessionExpiredMiddleware>();
app.UseAuthorization();
app.UseAntiforgery();
app.UseScriptEndpointProblems("/uploads");

app.MapStaticAssets().ShortCircuit();
app.MapRazorPages().WithStaticAssets();
app.MapUploadEndpoints();
app.MapDefaultEndpoints();

app.Run();
