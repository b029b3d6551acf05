using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// Debian's PostgreSQL server as an executable resource: the process-mode twin of Aspire's Postgres container, for
/// machines without a container engine. Data persists in <c>.data/postgres</c> between runs.
/// </summary>
internal static class PostgresProcessHosting
{
    private const string SuperUser = "postgres";

    public static IResourceBuilder<PostgresProcessResource> AddPostgresProcess(this IDistributedApplicationBuilder builder, string name)
    {
        var binDirectory = FindBinDirectory(builder);
        var dataRoot = LocalProcesses.DataDirectory(builder);
        var dataDirectory = Path.Combine(dataRoot, "postgres");
        var passwordFile = Path.Combine(dataRoot, "postgres.password");
        // Made (or read) when the AppHost starts and first asks for it, never while the model is built.
        var passwordValue = new Lazy<string>(() =>
        {
            if ((!File.Exists(passwordFile) || File.ReadAllText(passwordFile).Trim().Length == 0) && File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
            {
                // A new password would not open the existing database: say so now rather than fail every connection later.
                throw new DistributedApplicationException(
                    $"{passwordFile} is missing, but {dataDirectory} holds a database made with the password it held. Restore the " +
                    $"file, or delete {dataDirectory} to start with a fresh, empty database (`rm -rf {dataDirectory}`).");
            }

            return LocalProcesses.PersistentSecret(passwordFile);
        });
        var password = builder.AddParameter($"{name}-password", () => passwordValue.Value, secret: true);

        var postgres = Path.Combine(binDirectory, "postgres");
        var asPostgresUser = LocalProcesses.IsRoot;
        var resource = new PostgresProcessResource(name, asPostgresUser ? "setpriv" : postgres, dataRoot, password.Resource);

        return builder.AddResource(resource)
            .WithLoopbackEndpoint(PostgresProcessResource.PrimaryEndpointName, "tcp")
            .WithArgs(context =>
            {
                if (asPostgresUser)
                {
                    // initdb and postgres refuse to run as root; drop to the user Debian's package created for them.
                    context.Args.Add($"--reuid={SuperUser}");
                    context.Args.Add($"--regid={SuperUser}");
                    context.Args.Add("--init-groups");
                    context.Args.Add(postgres);
                }

                context.Args.Add("-D");
                context.Args.Add(dataDirectory);
                context.Args.Add("-p");
                context.Args.Add(resource.Port);
                foreach (var setting in new[]
                {
                    "listen_addresses=127.0.0.1",
                    "unix_socket_directories=",
                    // synchronous_commit stays on (Postgres' and RDS's default): a commit the Api acknowledged (a 202) must
                    // survive the server being killed, or an upload would be lost. It costs a WAL flush per commit
                    // (about 0.3 ms on our machines).
                    "max_connections=200",
                })
                {
                    context.Args.Add("-c");
                    context.Args.Add(setting);
                }
            })
            .OnBeforeResourceStarted(async (resource, e, ct) =>
            {
                // On every start, restarts included: an earlier server (the last run's, or this one's before a crash)
                // must be gone, and the folder whole, before Postgres will start on it.
                var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Postgres");
                try
                {
                    Directory.CreateDirectory(dataRoot);
                    await PostgresDataDirectory.WaitForEarlierServerAsync(dataDirectory, logger, ct);
                    if (!PostgresDataDirectory.IsInitialized(dataDirectory, logger))
                    {
                        await InitializeDataDirectoryAsync(binDirectory, dataDirectory, passwordValue.Value, asPostgresUser, ct);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError("'{Resource}' cannot start: {Message}", resource.Name, ex.Message);
                    throw;
                }
            })
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(AddServerHealthCheck(builder, name, () =>
                $"Host=127.0.0.1;Port={resource.Port};Username={SuperUser};Password={passwordValue.Value};Database=postgres;Pooling=false;Timeout=3"));
    }

    private static string AddServerHealthCheck(IDistributedApplicationBuilder builder, string name, Func<string> connectionString)
    {
        var key = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString(), name: key);
        return key;
    }

    /// <summary>
    /// Runs initdb on first use, into a folder beside the real one that is renamed when initdb has finished: an
    /// interrupted initdb (Ctrl+C, a crash) leaves no half-made cluster where Postgres would look for one.
    /// </summary>
    internal static async Task InitializeDataDirectoryAsync(string binDirectory, string finalDirectory, string password, bool asPostgresUser, CancellationToken ct)
    {
        var dataDirectory = $"{finalDirectory}.initdb-{Guid.NewGuid():N}";
        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.Combine(Path.GetTempPath(), $"platform-initdb-{Guid.NewGuid():N}");
        // 600 from the start: the temporary folder is shared by every local user.
        LocalProcesses.WriteSecretFile(passwordFile, password);
        try
        {
            var initdb = new List<string>
            {
                Path.Combine(binDirectory, "initdb"), "-D", dataDirectory, "-U", SuperUser, "--pwfile", passwordFile,
                "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync",
            };
            if (asPostgresUser)
            {
                await LocalProcesses.RunToCompletionAsync("chown", ["-R", $"{SuperUser}:{SuperUser}", dataDirectory, passwordFile], ct);
                initdb.InsertRange(0, [$"--reuid={SuperUser}", $"--regid={SuperUser}", "--init-groups"]);
                await LocalProcesses.RunToCompletionAsync("setpriv", initdb, ct);
            }
            else
            {
                await LocalProcesses.RunToCompletionAsync(initdb[0], initdb[1..], ct);
            }

            Directory.Move(dataDirectory, finalDirectory);
        }
        catch (DistributedApplicationException ex) when (asPostgresUser && ex.Message.Contains("ermission denied", StringComparison.Ordinal))
        {
            throw new DistributedApplicationException(
                $"The 'postgres' user cannot use '{dataDirectory}': every folder above it must be readable by that user. " +
                $"Point Platform:DataDirectory at a folder it can reach (for example /var/tmp/platform). {ex.Message}");
        }
        finally
        {
            File.Delete(passwordFile);
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    private static string FindBinDirectory(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Platform:Postgres:BinDirectory"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(Path.Combine(configured, "postgres"))
                ? configured
                : throw LocalProcesses.MissingBinary(Path.Combine(configured, "postgres"), "postgresql");
        }

        const string root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "postgres")) && File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault()
            : null;
        return newest ?? throw LocalProcesses.MissingBinary("/usr/lib/postgresql/<version>/bin/postgres", "postgresql");
    }
}
