using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.AppHost.Hosting;

namespace Platform.AppHost.Tests;

/// <summary>
/// What <c>eng/run.sh</c> meets when the last run is not quite gone — Ctrl+C and a new run at once, or the whole tree
/// killed — against Debian's real PostgreSQL binaries, as the process runtime runs them.
/// </summary>
public sealed class RestartSafetyTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Password = "restart-safety";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("platform-restart-");
    private readonly List<Process> _servers = [];
    private string DataDirectory => Path.Combine(_root.FullName, "postgres");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The 'postgres' user runs the server when the tests run as root, so it must be able to enter the folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_root.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        await PostgresProcessHosting.InitializeDataDirectoryAsync(BinDirectory, DataDirectory, Password, LocalProcesses.IsRoot, timeout.Token);
    }

    [Fact]
    public async Task A_new_server_waits_until_the_earlier_one_has_stopped_then_starts()
    {
        var (earlier, port) = await StartServerAsync();
        await using (var client = await ConnectAsync(port))
        {
            // Ctrl+C: the orchestrator asks for a smart shutdown, which waits for the clients still connected.
            Signal(earlier.Id, "TERM");
            var waiting = PostgresDataDirectory.WaitForEarlierServerAsync(DataDirectory, NullLogger.Instance, Ct, Timeout);
            Assert.NotEmpty(PostgresDataDirectory.ProcessesUsing(DataDirectory));
            Assert.False(waiting.IsCompleted, "it must not go on while the earlier server still uses the folder");

            await client.CloseAsync();
            await waiting.WaitAsync(Timeout, Ct);
        }

        await AssertExitedAsync(earlier);
        await AssertANewServerStartsAsync();
    }

    [Fact]
    public async Task After_the_postmaster_was_killed_it_waits_for_its_backends_to_go()
    {
        var (earlier, port) = await StartServerAsync();
        var client = await ConnectAsync(port);
        Signal(earlier.Id, "KILL");
        await earlier.WaitForExitAsync(Ct);

        // The postmaster is gone, but a backend may still hold the shared memory Postgres refuses to start beside.
        await PostgresDataDirectory.WaitForEarlierServerAsync(DataDirectory, NullLogger.Instance, Ct, Timeout);
        await client.DisposeAsync();

        Assert.Empty(PostgresDataDirectory.ProcessesUsing(DataDirectory));
        await AssertANewServerStartsAsync();
    }

    [Fact]
    public async Task A_server_no_apphost_owns_any_more_is_stopped()
    {
        // Started by this test, not by Aspire's orchestrator: as a server whose AppHost was killed looks.
        var (earlier, port) = await StartServerAsync();
        await using var client = await ConnectAsync(port); // a smart shutdown would wait for it; a fast one does not

        await PostgresDataDirectory.WaitForEarlierServerAsync(DataDirectory, NullLogger.Instance, Ct, Timeout);

        Assert.Empty(PostgresDataDirectory.ProcessesUsing(DataDirectory));
        await AssertExitedAsync(earlier);
    }

    [Fact]
    public async Task A_server_that_does_not_stop_is_named_with_what_to_do()
    {
        var (earlier, _) = await StartServerAsync();
        Signal(earlier.Id, "STOP"); // frozen: it cannot act on being asked to stop
        try
        {
            var error = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
                PostgresDataDirectory.WaitForEarlierServerAsync(DataDirectory, NullLogger.Instance, Ct, TimeSpan.FromSeconds(5)));

            Assert.Contains(earlier.Id.ToString(CultureInfo.InvariantCulture), error.Message);
            Assert.Contains($"kill -INT {earlier.Id}", error.Message);
            Assert.Contains(DataDirectory, error.Message);
        }
        finally
        {
            Signal(earlier.Id, "CONT");
        }
    }

    [Fact]
    public void An_unfinished_initdb_is_moved_aside_never_deleted()
    {
        var unfinished = Path.Combine(_root.FullName, "unfinished");
        Directory.CreateDirectory(Path.Combine(unfinished, "base"));
        File.WriteAllText(Path.Combine(unfinished, "postgresql.conf"), "# half written");

        Assert.False(PostgresDataDirectory.IsInitialized(unfinished, NullLogger.Instance));

        Assert.False(Directory.Exists(unfinished));
        var aside = Assert.Single(Directory.GetDirectories(_root.FullName, "unfinished.incomplete-*"));
        Assert.True(File.Exists(Path.Combine(aside, "postgresql.conf")));
        Assert.True(PostgresDataDirectory.IsInitialized(DataDirectory, NullLogger.Instance));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Where(s => !s.HasExited))
        {
            Signal(server.Id, "CONT");
            Signal(server.Id, "QUIT"); // immediate shutdown
            await server.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        }

        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (PostgresDataDirectory.ProcessesUsing(DataDirectory).Count > 0 && !gone.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        _root.Delete(recursive: true);
    }

    /// <summary>
    /// The server has exited. Waited for, not read at once: the wait above ends when no process has the data folder as
    /// its working directory in /proc, and an exiting postmaster gives up its working directory a moment before it has
    /// exited for good and <see cref="Process.HasExited"/> turns true.
    /// </summary>
    private static Task AssertExitedAsync(Process server) => server.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

    private async Task AssertANewServerStartsAsync()
    {
        var (_, port) = await StartServerAsync();
        await using var connection = await ConnectAsync(port);
        Assert.Equal(1, await new NpgsqlCommand("SELECT 1", connection).ExecuteScalarAsync(Ct));
    }

    private async Task<(Process Server, int Port)> StartServerAsync()
    {
        var port = FreePort();
        var postgres = Path.Combine(BinDirectory, "postgres");
        string[] args = ["-D", DataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="];
        var start = LocalProcesses.IsRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", postgres, .. args])
            : new ProcessStartInfo(postgres, args);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var server = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start");
        server.ErrorDataReceived += (_, _) => { };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        _servers.Add(server);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Timeout);
        while (true)
        {
            try
            {
                await using var probe = await ConnectAsync(port);
                return (server, port);
            }
            catch (NpgsqlException) when (!timeout.IsCancellationRequested && !server.HasExited)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private static async Task<NpgsqlConnection> ConnectAsync(int port)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Password={Password};Database=postgres;Pooling=false;Timeout=3");
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string BinDirectory => Directory.GetDirectories("/usr/lib/postgresql")
        .Select(d => Path.Combine(d, "bin"))
        .Where(d => File.Exists(Path.Combine(d, "postgres")))
        .OrderByDescending(d => d, StringComparer.Ordinal)
        .First();
}
