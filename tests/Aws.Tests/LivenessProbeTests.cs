using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Aws.Tests;

/// <summary>
/// The container health check the stack gives every service, run as ECS runs it (bash from the image), against a
/// stand-in for the service on a free port: passes while /alive answers 200, fails when it does not or nothing listens.
/// </summary>
public sealed class LivenessProbeTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    [Theory]
    [InlineData(HttpStatusCode.OK, 0)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 1)]
    public async Task The_container_health_check_passes_only_while_the_liveness_endpoint_answers_200(HttpStatusCode status, int expectedExit)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var ct = TestContext.Current.CancellationToken;
        var requested = "";
        var serving = Task.Run(async () =>
        {
            // As a real server does: the whole request is read before the answer, and the connection is closed only after
            // the probe is done with it. (Closing with part of the request unread makes the kernel reset the connection,
            // and a reset can discard the answer before the probe reads it: a failure of this stand-in, not of the probe.)
            using var client = await listener.AcceptTcpClientAsync(ct);
            using var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[1024];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, ct);
                if (read == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            requested = request.ToString().Split("\r\n")[0];
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {(int)status} {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), ct);
            client.Client.Shutdown(SocketShutdown.Send);
            while (await stream.ReadAsync(buffer, ct) > 0)
            {
            }
        }, ct);

        var exit = await RunProbeAsync(port, ct);
        await serving;
        listener.Stop();

        Assert.Equal("GET /alive HTTP/1.1", requested);
        Assert.Equal(expectedExit, exit);
    }

    [Fact]
    public async Task The_container_health_check_fails_when_nothing_listens()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Assert.NotEqual(0, await RunProbeAsync(port, TestContext.Current.CancellationToken));
    }

    /// <summary>The template's command for the api container, aimed at <paramref name="port"/> instead of 8080.</summary>
    private async Task<int> RunProbeAsync(int port, CancellationToken ct)
    {
        var command = stack.Json.Container("Api")["HealthCheck"]!["Command"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(["CMD", "bash", "-c"], command.Take(3));
        var script = command[3].Replace("/dev/tcp/127.0.0.1/8080", $"/dev/tcp/127.0.0.1/{port}", StringComparison.Ordinal);
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true })!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
