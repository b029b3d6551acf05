using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Worker.Tests;

/// <summary>
/// A throw-away redis-server (Debian's, which eng/test.sh installs for the AppHost) on a free loopback port, with no
/// persistence, for a test that needs a real Redis and not the whole AppHost. Stopped with the test.
/// </summary>
internal sealed class LocalRedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private LocalRedisServer(Process process, int port)
    {
        _process = process;
        ConnectionString = $"127.0.0.1:{port}";
    }

    public string ConnectionString { get; }

    public static async Task<LocalRedisServer> StartAsync(CancellationToken cancellationToken)
    {
        // The port is free when asked for, but another process may take it before redis-server binds it: then the server
        // exits at once, and another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var process = Start(port);
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var server = new LocalRedisServer(process, port);
            if (await server.AcceptsConnectionsAsync(cancellationToken))
            {
                return server;
            }

            await server.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server did not accept connections on a free port in {attempt} attempts.");
            }
        }
    }

    private async Task<bool> AcceptsConnectionsAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var endpoint = IPEndPoint.Parse(ConnectionString);
        while (!_process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(endpoint, timeout.Token);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
            }
        }

        return false;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(int port)
    {
        try
        {
            return Process.Start(new ProcessStartInfo("redis-server")
            {
                ArgumentList = { "--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server could not be started; eng/test.sh installs it (Debian's redis-server package).", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
