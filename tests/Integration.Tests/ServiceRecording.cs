using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Platform.Integration.Tests;

/// <summary>
/// Records, while the integration tests run, what the offline AWS checks (<c>eng/aws/checks</c>, run by eng/test.sh
/// after the .NET tests) replay against the synthesized stack, into <c>artifacts/recorded/</c>:
/// <list type="bullet">
/// <item>each service's routes and AWS resource names (<c>{service}.service.json</c>, written by ServiceDefaults'
/// <c>ServiceManifest</c> when <c>Platform:Recording:Directory</c> is set);</item>
/// <item>every S3 and SQS request the emulator served (<c>aws-requests.jsonl</c>, written by eng/local-aws/server.mjs
/// when <c>REQUEST_LOG</c> is set), presigned ones included. Each service signs with its own access key id (its
/// resource name; the emulator checks no signatures), so every request names the service whose role must allow it.</item>
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
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("Platform__Recording__Directory", OutputDirectory)
                .WithEnvironment("AWS_ACCESS_KEY_ID", project.Name);
        }

        foreach (var emulator in builder.Resources.OfType<IAwsEmulatorResource>().OfType<IResourceWithEnvironment>().ToList())
        {
            builder.CreateResourceBuilder(emulator).WithEnvironment("REQUEST_LOG", Path.Combine(OutputDirectory, "aws-requests.jsonl"));
        }
    }
}
