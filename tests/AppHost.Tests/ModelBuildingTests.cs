using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Platform.AppHost.Tests;

/// <summary>
/// Building the model (for a test, or before a run starts) is pure: it writes nothing, runs no container engine and
/// binds no port. Files, secrets, ports and the engine check all happen in Aspire's start-up events. (Publish mode, which
/// loads the CDK: Aws.Tests' ModelTranslationTests.)
/// </summary>
public sealed class ModelBuildingTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("platform-pure-data-");
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("platform-pure-engine-");

    [Theory]
    [InlineData("auto")]
    [InlineData("processes")]
    [InlineData("containers")]
    [InlineData("aws")]
    public async Task Building_the_model_writes_nothing_runs_no_engine_and_binds_no_port(string runtime)
    {
        // A container engine that records being run, with a socket where auto detection looks: auto chooses containers.
        var engineRan = Path.Combine(_scratch.FullName, "engine-ran");
        var engine = Path.Combine(_scratch.FullName, "docker");
        File.WriteAllText(engine, $"#!/bin/sh\necho \"$@\" >> '{engineRan}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(engine, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        var socket = Path.Combine(_scratch.FullName, "docker.sock");
        File.WriteAllText(socket, "");
        // A configured port already taken: a probe of it while building would fail the build.
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;

        using var cts = new CancellationTokenSource(AppModel.Timeout);
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [$"--Platform:LocalRuntime={runtime}", $"--Platform:DataDirectory={_data.FullName}", $"--ASPIRE_CONTAINER_RUNTIME={engine}",
             $"--DOCKER_HOST=unix://{socket}", $"--Platform:Ports:redis={port}", $"--Platform:Ports:postgres-server={port}"],
            (options, _) => options.DisableDashboard = true,
            cts.Token);

        // The entry point has run up to builder.Build(): the whole model exists. (Building the testing builder would go
        // on to the entry point's Run(), which starts the app.)
        Assert.NotEmpty(builder.Resources);
        Assert.Empty(_data.EnumerateFileSystemInfos());
        Assert.False(File.Exists(engineRan), "the container engine must not run while the model is built");
        Assert.All(builder.Resources.OfType<ExecutableResource>().SelectMany(r => r.Annotations.OfType<EndpointAnnotation>()),
            e => Assert.Null(e.Port));
        if (runtime == "auto")
        {
            Assert.Contains(builder.Resources, r => r is ContainerResource && r.Name == "redis");
        }
    }

    public void Dispose()
    {
        _data.Delete(recursive: true);
        _scratch.Delete(recursive: true);
    }
}
