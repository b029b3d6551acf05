using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Makes <c>.data/postgres</c> safe to start on, whatever the last run left behind. Postgres refuses to start while
/// anything of an earlier server still uses the folder ("lock file postmaster.pid already exists", or "pre-existing
/// shared memory block is still in use" when the postmaster was killed but its backends live on), and an initdb that
/// was interrupted leaves a folder it will not reuse. None of this is handled by Postgres or Aspire, hence this class.
/// </summary>
internal static class PostgresDataDirectory
{
    /// <summary>How long an earlier server may take to stop (Ctrl+C, then a new run at once) before we give up.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(45);

    /// <summary>After this long, an earlier postmaster that nobody owns any more (its AppHost is gone) is asked to stop.</summary>
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Waits until no process uses <paramref name="dataDirectory"/> any more. An earlier run still stopping gets
    /// <see cref="StopTimeout"/>; a postmaster left behind by an AppHost that was killed is stopped (fast shutdown); one
    /// that another running AppHost owns is left alone, and the exception says what to do.
    /// </summary>
    public static async Task WaitForEarlierServerAsync(string dataDirectory, ILogger logger, CancellationToken ct, TimeSpan? timeout = null)
    {
        var users = ProcessesUsing(dataDirectory);
        if (users.Count == 0)
        {
            return;
        }

        var started = Stopwatch.StartNew();
        var limit = timeout ?? StopTimeout;
        logger.LogInformation("PostgreSQL processes of an earlier run ({Pids}) still use {DataDirectory}; waiting up to {Seconds:F0} s for them to stop.",
            string.Join(", ", users), dataDirectory, limit.TotalSeconds);
        var askedToStop = false;
        while (users.Count > 0)
        {
            if (started.Elapsed > limit)
            {
                var postmaster = Postmaster(dataDirectory, users);
                throw new DistributedApplicationException(
                    $"PostgreSQL processes ({string.Join(", ", users)}) still use {dataDirectory} after {limit.TotalSeconds:F0} s, so a new " +
                    "server cannot start on it. Another AppHost (eng/run.sh, a test run) may be using the same data folder: stop it with " +
                    $"Ctrl+C, or stop that server with `kill -INT {postmaster ?? users[0]}` and wait until `pgrep -f {dataDirectory}` " +
                    "shows nothing; then start again. (Deleting the folder starts a fresh, empty database.)");
            }

            if (!askedToStop && started.Elapsed > OrphanGrace && Postmaster(dataDirectory, users) is { } orphan && IsOrphan(orphan))
            {
                // Its AppHost and orchestrator are gone (killed): nobody else will stop it. SIGINT is a fast shutdown.
                logger.LogWarning("PostgreSQL {Pid} on {DataDirectory} belongs to no running AppHost; stopping it (fast shutdown).", orphan, dataDirectory);
                Signal(orphan, "INT");
                askedToStop = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            users = ProcessesUsing(dataDirectory);
        }

        logger.LogInformation("The earlier PostgreSQL stopped after {Seconds:F1} s.", started.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A data folder without <c>PG_VERSION</c> but with files in it is an initdb that did not finish: it is moved aside
    /// (never deleted) so a fresh one can be made. Returns true when the folder holds a complete cluster.
    /// </summary>
    public static bool IsInitialized(string dataDirectory, ILogger logger)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return true;
        }

        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            var aside = $"{dataDirectory}.incomplete-{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
            Directory.Move(dataDirectory, aside);
            logger.LogWarning("{DataDirectory} held an unfinished initdb; moved it to {Aside} and making a fresh database.", dataDirectory, aside);
        }

        return false;
    }

    /// <summary>The processes whose working directory is the data folder: a postmaster and its backends chdir into it.</summary>
    internal static List<int> ProcessesUsing(string dataDirectory)
    {
        var target = Path.GetFullPath(dataDirectory).TrimEnd('/');
        var found = new List<int>();
        if (!Directory.Exists("/proc"))
        {
            return found;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (new DirectoryInfo(Path.Combine(entry, "cwd")).LinkTarget is { } cwd && cwd.TrimEnd('/') == target)
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }

        return found;
    }

    /// <summary>The postmaster among <paramref name="users"/>: the pid on the first line of postmaster.pid.</summary>
    private static int? Postmaster(string dataDirectory, List<int> users)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, out var pid) && users.Contains(pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when no orchestrator owns the process any more: Aspire's DCP starts servers as its children, and a server
    /// whose DCP died was handed to PID 1 (or another reaper).
    /// </summary>
    private static bool IsOrphan(int pid) =>
        ParentOf(pid) is not { } parent || parent == 1 || !CommandNameOf(parent).StartsWith("dcp", StringComparison.Ordinal);

    private static string CommandNameOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after its closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5000);
    }
}
