using Aspire.Hosting;
using Platform.AppHost.Hosting;

namespace Platform.AppHost.Tests;

/// <summary>
/// Every file the AppHost writes a local secret into is readable by its owner only from the moment it exists: another
/// local user who opens it in the instant after it is created finds it closed, not just a moment later.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretFileModeTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _folder = Directory.CreateTempSubdirectory("secret-mode-").FullName;

    [Fact]
    public void A_generated_password_file_is_mode_600()
    {
        var path = Path.Combine(_folder, "service.password");

        var secret = LocalProcesses.PersistentSecret(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(secret, File.ReadAllText(path));
    }

    [Fact]
    public void A_secret_file_left_world_readable_by_an_earlier_run_is_replaced_by_one_of_mode_600()
    {
        var path = Path.Combine(_folder, "server.conf");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        LocalProcesses.WriteSecretFile(path, "requirepass new");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal("requirepass new", File.ReadAllText(path));
    }

    [Fact]
    public void The_local_state_folder_is_private_also_when_an_earlier_run_left_it_open()
    {
        var fresh = Path.Combine(_folder, "fresh", ".data");
        var open = Directory.CreateDirectory(Path.Combine(_folder, "open", ".data")).FullName;
        File.SetUnixFileMode(open, LocalProcesses.PrivateFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        LocalProcesses.CreatePrivateDirectory(fresh);
        LocalProcesses.CreatePrivateDirectory(open);

        // Nobody else may list or read it; as root, others may only pass through (Postgres' own user to its folder).
        var othersMayOnlyPass = LocalProcesses.IsRoot ? UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : UnixFileMode.None;
        Assert.Equal(LocalProcesses.PrivateFolder | othersMayOnlyPass, File.GetUnixFileMode(fresh));
        Assert.Equal(LocalProcesses.PrivateFolder | othersMayOnlyPass, File.GetUnixFileMode(open));
    }

    /// <summary>
    /// initdb reads the superuser's password from a file in the shared temporary folder. A stand-in initdb records the
    /// mode that file has when initdb opens it; a file made with the default mode (644) and restricted afterwards, or
    /// never, is readable by every local user at that moment.
    /// </summary>
    [Fact]
    public async Task Initdb_finds_its_password_file_readable_by_its_owner_only()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_folder, "bin")).FullName;
        var seen = Path.Combine(_folder, "pwfile-mode");
        var initdb = Path.Combine(bin, "initdb");
        // Arguments: -D <dir> -U <user> --pwfile <file> ...; the stand-in writes the file's mode and makes PG_VERSION.
        await File.WriteAllTextAsync(initdb, $$"""
            #!/bin/sh
            while [ $# -gt 0 ]; do
              case "$1" in
                -D) data="$2"; shift 2;;
                --pwfile) pwfile="$2"; shift 2;;
                *) shift;;
              esac
            done
            stat -c %a "$pwfile" > '{{seen}}'
            echo 15 > "$data/PG_VERSION"
            """, TestContext.Current.CancellationToken);
        File.SetUnixFileMode(initdb, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await PostgresProcessHosting.InitializeDataDirectoryAsync(bin, Path.Combine(_folder, "postgres"), "secret-password",
            asPostgresUser: false, TestContext.Current.CancellationToken);

        Assert.Equal("600", (await File.ReadAllTextAsync(seen, TestContext.Current.CancellationToken)).Trim());
        Assert.True(File.Exists(Path.Combine(_folder, "postgres", "PG_VERSION")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
