using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.AppHost.Hosting;

[assembly: AssemblyFixture(typeof(Platform.Integration.Tests.PlatformAppFixture))]

namespace Platform.Integration.Tests;

/// <summary>
/// The real AppHost, started once for the whole test run in the process runtime (Debian's Postgres and Redis, fauxqs)
/// with a data folder of its own, and shared by every test. Tests create their own data, so order never matters.
/// </summary>
public sealed class PlatformAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Sign-in attempts one address may make per 10 s in the tests' Api.</summary>
    public const int SignInAddressPermits = 50;

    private DistributedApplication? _app;
    private DirectoryInfo? _dataDirectory;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public HttpClient CreateClient(string resource) => App.CreateHttpClient(resource, "http");

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);

        // The 'postgres' user runs the database when the tests run as root, so it must be able to enter the folder.
        _dataDirectory = Directory.CreateTempSubdirectory("platform-tests-");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dataDirectory.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Platform:LocalRuntime=processes", $"--Platform:DataDirectory={_dataDirectory.FullName}"],
            (options, _) => options.DisableDashboard = true,
            cts.Token);
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        // Without the dashboard nothing listens on the OTLP endpoint Aspire still hands the services, and their exporters
        // keep trying to flush to it while the process stops: Web then outlives DCP's stop timeout and the restart test
        // fails. An empty endpoint makes ServiceDefaults leave the exporter out; the traces tests check are in the database.
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "");
        }

        // A Worker killed mid-job leaves its message hidden for the visibility timeout: 10 s instead of a minute keeps the
        // chaos tests short. The running Worker extends it every third of that, as it always does.
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "worker"))
            .WithEnvironment("QueueConsumer__VisibilityTimeout", "00:00:10");

        // Uploads expire 90 s after they were handed out (no grace) and are swept every 2 s, and a user may declare 1 GiB:
        // the upload-abuse tests see an abandoned upload removed and the quota refuse in bounded time. Longer than any
        // other test keeps an upload pending (the storage outage test: about a minute at worst).
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "api"))
            .WithEnvironment("Media__UploadUrlLifetime", "00:01:30")
            .WithEnvironment("Media__PendingUploadGrace", "00:00:00")
            .WithEnvironment("Media__PendingCleanupInterval", "00:00:02")
            .WithEnvironment("Media__QuotaBytes", (1L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Messages leave with the request that commits them; the outbox dispatcher only sends what could not be sent then
        // (it wakes for each retry by itself). With its poll at ten minutes, longer than any test waits for processing,
        // every upload that reaches ready shows its message went out at commit.
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "api"))
            .WithEnvironment("Outbox__PollInterval", "00:10:00");
        // The tests sign up and sign in hundreds of users from one address (loopback) within minutes, which the
        // production limit of sign-in attempts per address (10 a minute) would cut off. The sign-in throttle test sends
        // a burst above it from an address of its own.
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "api"))
            .WithEnvironment("Accounts__SignInLimits__AddressPermits", SignInAddressPermits.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Accounts__SignInLimits__AddressWindow", "00:00:10");

        ServiceRecording.Enable(builder);
        _app = await builder.BuildAsync(cts.Token);
        await _app.StartAsync(cts.Token);

        var model = _app.Services.GetRequiredService<DistributedApplicationModel>();
        await StartupWaits.WaitUntilStartedAsync(_app.ResourceNotifications, model.Resources, cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            _dataDirectory?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Postgres may still be flushing for a moment; the folder is in the temp directory either way.
        }
    }
}
