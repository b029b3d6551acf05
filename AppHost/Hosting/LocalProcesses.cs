using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Platform.AppHost.Hosting;

/// <summary>
/// What the process-mode resources share: where their state lives, which port each listens on, and how a missing
/// binary is reported. Aspire has no helper for "run a Debian server binary as an executable resource", so this is ours.
/// </summary>
internal static class LocalProcesses
{
    /// <summary>The repository root: the AppHost project sits one level below it.</summary>
    public static string RepositoryRoot(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));

    /// <summary>
    /// The git-ignored folder for local state (<c>.data/</c>), or <c>Platform:DataDirectory</c> when set (tests point it
    /// at a fresh temporary folder so they never touch a developer's data).
    /// </summary>
    public static string DataDirectory(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Platform:DataDirectory"];
        var path = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(RepositoryRoot(builder), ".data")
            : Path.GetFullPath(configured, RepositoryRoot(builder));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// The port a process listens on: <c>Platform:Ports:{resource}</c> when configured (and then it must be free), else
    /// a free port chosen now. The process binds it itself, on 127.0.0.1 only.
    /// </summary>
    public static int Port(IDistributedApplicationBuilder builder, string resourceName)
    {
        var key = $"Platform:Ports:{resourceName}";
        var configured = builder.Configuration[key];
        if (string.IsNullOrWhiteSpace(configured))
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        if (!int.TryParse(configured, out var port) || port is < 1 or > 65535)
        {
            throw new DistributedApplicationException($"{key} is '{configured}', which is not a TCP port (1-65535).");
        }

        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
        }
        catch (SocketException)
        {
            throw new DistributedApplicationException(
                $"Port {port} on 127.0.0.1, configured by {key} for '{resourceName}', is already in use. " +
                $"Stop whatever listens there (`ss -ltnp 'sport = :{port}'` shows it) or remove {key} to use a free port.");
        }

        return port;
    }

    /// <summary>Finds an executable on the PATH, or fails with the Debian package that provides it.</summary>
    public static string RequireOnPath(string executable, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw MissingBinary(executable, debianPackage);
    }

    public static DistributedApplicationException MissingBinary(string what, string debianPackage) =>
        new($"'{what}' was not found, and the process runtime needs it. Install it with " +
            $"`sudo apt-get install -y {debianPackage}` (eng/run.sh does this for you), " +
            $"or set {LocalRuntime.ConfigurationKey}=containers when a container engine is available.");

    /// <summary>A secret for a local server, created once and kept beside its data (mode 600, git-ignored).</summary>
    public static string PersistentSecret(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }

        // Written aside and renamed: a run killed mid-write leaves no empty or partial secret behind.
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, secret);
        RestrictToOwner(temporary);
        File.Move(temporary, path, overwrite: true);
        return secret;
    }

    /// <summary>Makes a file readable and writable by its owner only (mode 600).</summary>
    public static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>True when this process runs as root: Postgres refuses that, so its binaries run as the 'postgres' user.</summary>
    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    /// <summary>Runs a short command to completion; a failure carries its output so the cause is visible.</summary>
    public static async Task RunToCompletionAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(startInfo) ?? throw new DistributedApplicationException($"Could not start '{fileName}'.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                $"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
