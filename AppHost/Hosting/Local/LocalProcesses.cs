using System.Diagnostics;
using System.Security.Cryptography;

namespace Platform.AppHost.Hosting;

/// <summary>
/// What the process-mode resources share: where their state lives, their secrets, and how a missing binary is
/// reported (the port each listens on: <see cref="LoopbackEndpoint"/>). Aspire has no helper for "run a Debian server binary as an executable resource", so this is ours.
/// </summary>
internal static class LocalProcesses
{
    /// <summary>The repository root: the AppHost project sits one level below it.</summary>
    public static string RepositoryRoot(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));

    /// <summary>
    /// The git-ignored folder for local state (<c>.data/</c>), or <c>Platform:DataDirectory</c> when set (tests point it
    /// at a fresh temporary folder so they never touch a developer's data). Only its path: the processes that keep state
    /// there create it when they start.
    /// </summary>
    public static string DataDirectory(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Platform:DataDirectory"];
        return string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(RepositoryRoot(builder), ".data")
            : Path.GetFullPath(configured, RepositoryRoot(builder));
    }

    /// <summary>
    /// Keeps the local state folder private before anything starts (run mode): it holds the database, the emulator's
    /// copies of people's uploads, Redis' append-only file and the services' passwords, none of which another local user
    /// may list or read, whatever mode the files inside get from the tools that write them.
    /// </summary>
    public static void KeepDataDirectoryPrivateAtStart(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            if (!OperatingSystem.IsWindows())
            {
                CreatePrivateDirectory(DataDirectory(builder));
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Creates <paramref name="path"/> with mode 700, or gives an existing one that mode (a folder an earlier run made with
    /// the default 755). Run as root, the folder is 711 instead: Postgres then runs as the 'postgres' user, which must pass
    /// through it to its own data folder (mode 700, its own) but still cannot list or read anything else in it.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void CreatePrivateDirectory(string path)
    {
        var mode = IsRoot ? PrivateFolder | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : PrivateFolder;
        Directory.CreateDirectory(path, mode);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Mode 700.</summary>
    public const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Finds an executable on the PATH, or fails with the Debian package that provides it.</summary>
    public static string RequireOnPath(string executable, string debianPackage) =>
        FindOnPath(executable) ?? throw MissingBinary(executable, debianPackage);

    /// <summary>The executable's full path (a path is taken as it is), or null when it is not installed.</summary>
    public static string? FindOnPath(string executable)
    {
        if (Path.IsPathRooted(executable))
        {
            return File.Exists(executable) ? executable : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        WriteSecretFile(temporary, secret);
        File.Move(temporary, path, overwrite: true);
        return secret;
    }

    /// <summary>
    /// Writes a file that holds a secret (a password, a configuration with one), readable and writable by its owner only
    /// from the moment it exists (<see cref="CreateOwnerOnly"/>).
    /// </summary>
    public static void WriteSecretFile(string path, string content)
    {
        using var stream = CreateOwnerOnly(path);
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    /// <summary>
    /// Creates a file for writing with mode 600: the mode is given to open(2) with O_CREAT, so there is no moment, however
    /// short, in which another local user could open it (as there is between a write and a later chmod). A file left by
    /// an earlier run is replaced, not rewritten, for the same reason: its old mode is never trusted.
    /// </summary>
    public static FileStream CreateOwnerOnly(string path)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return new FileStream(path, options);
    }

    /// <summary>Mode 600.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

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
