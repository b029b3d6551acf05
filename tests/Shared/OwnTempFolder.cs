[assembly: AssemblyFixture(typeof(Platform.Tests.Shared.OwnTempFolder))]

namespace Platform.Tests.Shared;

/// <summary>
/// The test process writes its temporary files into a folder of its own, removed when the tests end: jsii unpacks the
/// CDK's bundles (about 64 MB) into the temp folder on first use and never removes them, Aspire's publish pipeline leaves
/// its folders there, and so do the throw-away data folders of models that are built but never started. Linked into the
/// test projects that synthesize or build the app model; an assembly fixture, so it is in place before any test runs.
/// </summary>
public sealed class OwnTempFolder : IDisposable
{
    private readonly string? _previous = Environment.GetEnvironmentVariable("TMPDIR");
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("platform-test-process-");

    // Path.GetTempPath() reads TMPDIR on every call, and processes the tests start (node, jsii) inherit it.
    public OwnTempFolder()
    {
        // The 'postgres' user runs the database when the tests run as root, so it must be able to enter the folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        Environment.SetEnvironmentVariable("TMPDIR", _folder.FullName);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TMPDIR", _previous);
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process the tests started may still be writing there as it exits; what it left is the temp folder's.
        }
        catch (UnauthorizedAccessException)
        {
            // Files another user (the database's) created: they stay, as they would without this folder.
        }
    }
}
