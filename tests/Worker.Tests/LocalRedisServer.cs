using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Worker.Tests;

/// <summary>
/// A throw-away redis-server (Debian's, which eng/test.sh installs) on a free loopback port, with no persistence, for a
/// test that needs a real Redis and not the whole AppHost. Stopped with the test.
/// </summary>
internal sealed class LocalRedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

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
        // exits instead of saying it is ready, and another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var server = new LocalRedisServer(Start(port, ready), port);
            try
            {
                var exited = server._process.WaitForExitAsync(cancellationToken);
                if (await Task.WhenAny(ready.Task, exited).WaitAsync(StartTimeout, cancellationToken) == ready.Task)
                {
                    return server;
                }
            }
            catch (TimeoutException)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"redis-server did not say it was ready within {StartTimeout.TotalSeconds:F0} s.");
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            await server.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server exited before it was ready, on {attempt} free ports in turn.");
            }
        }
    }

    private static Process Start(int port, TaskCompletionSource ready)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("redis-server")
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

        // What redis-server logs once it listens.
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
