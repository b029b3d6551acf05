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
app.UseAuthentication();
app.UseMiddleware<SessionStoreUnavailableMiddleware>();
app.UseMiddleware<SessionExpiredMiddleware>();
app.UseAuthorization();
app.UseAntiforgery();
app.UseScriptEndpointProblems("/uploads");

app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapUploadEndpoints();
app.MapDefaultEndpoints();

app.Run();
