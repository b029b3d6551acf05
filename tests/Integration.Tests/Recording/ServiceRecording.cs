using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests;

/// <summary>
/// Records, while the integration tests run, what the offline AWS checks (<c>eng/aws/checks</c>, run by eng/test.sh
/// after the .NET tests) replay against the synthesized stack, into <c>artifacts/recorded/</c>. The services and the
/// emulator carry no recording code; the fixture loads it into their processes:
/// <list type="bullet">
/// <item>each service's routes and AWS resource names (<c>{service}.service.json</c>), written by the startup hook of
/// tests/ServiceRecorder, which the runtime loads into each service through <c>DOTNET_STARTUP_HOOKS</c>;</item>
/// <item>every S3 and SQS request the emulator served (<c>aws-requests.jsonl</c>), presigned ones included, written by
/// Recording/aws-request-log.mjs, which Node loads into the emulator through <c>NODE_OPTIONS=--import</c>. Each service
/// signs with its own access key id (its resource name; the emulator checks no signatures), so every request names the
/// service whose role must allow it.</item>
/// </list>
/// </summary>
internal static class ServiceRecording
{
    public static string OutputDirectory { get; } = Path.Combine(Browser.BrowserFixture.RepositoryRoot(), "artifacts", "recorded");

    public static void Enable(IDistributedApplicationTestingBuilder builder)
    {
        if (Directory.Exists(OutputDirectory))
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }

        Directory.CreateDirectory(OutputDirectory);
        // Built beside the tests (a project reference), run inside each service.
        var startupHook = Path.Combine(AppContext.BaseDirectory, "ServiceRecorder.dll");
        if (!File.Exists(startupHook))
        {
            throw new FileNotFoundException("The service recorder (tests/ServiceRecorder) was not built beside the tests.", startupHook);
        }

        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("DOTNET_STARTUP_HOOKS", startupHook)
                .WithEnvironment("PLATFORM_RECORDING_DIRECTORY", OutputDirectory)
                .WithEnvironment("AWS_ACCESS_KEY_ID", project.Name);
        }

        var requestLog = new Uri(Path.Combine(Browser.BrowserFixture.RepositoryRoot(), "tests", "Integration.Tests", "Recording", "aws-request-log.mjs")).AbsoluteUri;
        foreach (var emulator in builder.Resources.OfType<IAwsEmulatorResource>().OfType<ExecutableResource>().ToList())
        {
            builder.CreateResourceBuilder(emulator)
                .WithEnvironment("NODE_OPTIONS", $"--import={requestLog}")
                .WithEnvironment("REQUEST_LOG", Path.Combine(OutputDirectory, "aws-requests.jsonl"));
        }
    }
}
