using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Platform.AppHost.Tests;

/// <summary>The two local forms of the same system: what runs, and what the services see.</summary>
public sealed class LocalRuntimeTests
{
    [Fact]
    public async Task Containers_mode_runs_pinned_images_for_postgres_redis_and_localstack()
    {
        await using var builder = await AppModel.CreateAsync("containers");

        var images = builder.Resources.OfType<ContainerResource>()
            .ToDictionary(r => r.Name, r => Assert.Single(r.Annotations.OfType<ContainerImageAnnotation>()));

        Assert.Equal(["aws-emulator", "postgres-server", "redis"], images.Keys.Order());
        Assert.Equal("localstack/localstack", images["aws-emulator"].Image);
        Assert.Equal("4.9.2", images["aws-emulator"].Tag);
        Assert.EndsWith("postgres", images["postgres-server"].Image);
        Assert.EndsWith("redis", images["redis"].Image);
        Assert.All(images.Values, image => Assert.Matches(@"^\d+\.\d+", image.Tag));
        Assert.Empty(Servers(builder));
    }

    [Fact]
    public async Task Processes_mode_runs_debian_servers_and_fauxqs_on_loopback()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var executables = Servers(builder).ToDictionary(r => r.Name);
        Assert.Equal(["aws-emulator", "postgres-server", "redis"], executables.Keys.Order());
        Assert.EndsWith("redis-server", executables["redis"].Command);
        Assert.Equal("node", Path.GetFileName(executables["aws-emulator"].Command));
        Assert.Contains(executables["postgres-server"].Command, new[] { "setpriv" }.Concat(Directory.GetFiles("/usr/lib/postgresql", "postgres", SearchOption.AllDirectories)));
        foreach (var executable in executables.Values)
        {
            var endpoint = Assert.Single(executable.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal("127.0.0.1", endpoint.TargetHost);
            Assert.False(endpoint.IsProxied);
        }

        Assert.Empty(builder.Resources.OfType<ContainerResource>());
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    [InlineData("web")]
    public async Task Services_receive_the_same_configuration_keys_in_both_modes(string service)
    {
        await using var containers = await AppModel.CreateAsync("containers");
        await using var processes = await AppModel.CreateAsync("processes");

        var containerKeys = await containers.EnvironmentKeysAsync(service);
        var processKeys = await processes.EnvironmentKeysAsync(service);

        Assert.Equal(containerKeys, processKeys);
    }

    [Fact]
    public async Task Api_receives_every_dependency_through_configuration()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var keys = await builder.EnvironmentKeysAsync("api");

        Assert.Superset(new SortedSet<string>(
        [
            "ConnectionStrings__postgres", "ConnectionStrings__postgres-read", "ConnectionStrings__redis",
            "storage__BucketName", "storage__ForcePathStyle", "messaging__QueueUrl", "messaging__DeadLetterQueueUrl",
            "AWS__Region", "AWS__ServiceURL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        ]), keys);
    }

    [Fact]
    public async Task A_missing_postgres_binary_fails_with_the_package_to_install()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            AppModel.CreateAsync("processes", "--Platform:Postgres:BinDirectory=/nonexistent/bin"));

        Assert.Contains("apt-get install -y postgresql", Flatten(error));
    }

    [Fact]
    public async Task A_configured_port_in_use_fails_the_start_with_a_clear_message()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        var builder = AppModel.Bare("processes", $"--Platform:Ports:redis={port}");
        builder.AddPlatformRedis("redis");
        await using var app = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(app.AnnounceStartAsync);

        Assert.Contains($"Port {port} on 127.0.0.1, configured by Platform:Ports:redis for 'redis', is already in use", Flatten(error));
    }

    [Fact]
    public async Task Each_server_gets_a_loopback_port_when_the_apphost_starts()
    {
        var builder = AppModel.Bare("processes");
        builder.AddPlatformPostgres("postgres", "platform");
        builder.AddPlatformRedis("redis");
        builder.AddS3Bucket("storage", "media");
        await using var app = builder.Build();

        await app.AnnounceStartAsync();

        var endpoints = builder.Resources.OfType<ExecutableResource>().Select(s => Assert.Single(s.Annotations.OfType<EndpointAnnotation>())).ToList();
        Assert.Equal(3, endpoints.Count);
        Assert.All(endpoints, e => Assert.True(e.Port is > 0 && e.Port == e.TargetPort));
        Assert.Equal(3, endpoints.Select(e => e.Port).Distinct().Count());
    }

    [Fact]
    public async Task An_unknown_runtime_is_refused_with_the_allowed_values()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AppModel.CreateAsync("kubernetes"));

        Assert.Contains("Platform:LocalRuntime is 'kubernetes', but it must be one of: auto, containers, processes, aws.", Flatten(error));
    }

    /// <summary>Executables that are servers (Aspire adds one "rebuilder" executable per project, as a child of it).</summary>
    private static IEnumerable<ExecutableResource> Servers(IDistributedApplicationTestingBuilder builder) =>
        builder.Resources.OfType<ExecutableResource>().Where(r => r is not IResourceWithParent and not IRunsToCompletion);

    private static string Flatten(Exception error) =>
        string.Join(" | ", Enumerate(error).Select(e => e.Message));

    private static IEnumerable<Exception> Enumerate(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
