using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Tests.Shared;

namespace Platform.Integration.Tests;

/// <summary>
/// Stops, starts and restarts resources of the running AppHost through its own commands, and waits for the states that
/// follow. Waits on states only: the orchestrator's timestamps have one-second resolution, so "started after I asked"
/// cannot be told from them.
/// </summary>
public static class ResourceControl
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Restarts the resource; returns once it has been seen down and then running and healthy again.</summary>
    public static async Task RestartAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        var back = WaitForComebackAsync(app, resource, ct);
        await ExecuteAsync(app, resource, KnownResourceCommands.RestartCommand, ct);
        await back;
        await WaitUntilAnsweringAsync(app, resource, ct);
    }

    /// <summary>Stops the resource; returns once it no longer runs.</summary>
    public static async Task StopAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        await ExecuteAsync(app, resource, KnownResourceCommands.StopCommand, ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        await app.ResourceNotifications.WaitForResourceAsync(resource, e => IsDown(e.Snapshot), timeout.Token);
    }

    /// <summary>Starts a stopped (or crashed) resource; returns once it runs and is healthy.</summary>
    public static async Task StartAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        var back = WaitForComebackAsync(app, resource, ct, alreadyDown: true);
        await ExecuteAsync(app, resource, KnownResourceCommands.StartCommand, ct);
        await back;
        await WaitUntilAnsweringAsync(app, resource, ct);
    }

    /// <summary>
    /// A service's health status may be the one reported before its restart for a moment: for a project, its own
    /// <c>/alive</c> answering is what says the new process is there.
    /// </summary>
    private static async Task WaitUntilAnsweringAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        if (model.Resources.FirstOrDefault(r => r.Name == resource) is not ProjectResource)
        {
            return;
        }

        using var client = new HttpClient { BaseAddress = app.GetEndpoint(resource, "http"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.ReturnsAsync(async token =>
        {
            try
            {
                return (await client.GetAsync("/alive", token)).IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !token.IsCancellationRequested))
            {
                return false;
            }
        }, answered => answered, Timeout, ct);
    }

    /// <summary>Waits until the resource is down (e.g. after its process was killed).</summary>
    public static async Task WaitUntilDownAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        await app.ResourceNotifications.WaitForResourceAsync(resource, e => IsDown(e.Snapshot), timeout.Token);
    }

    /// <summary>The process id of an executable or project resource, as the orchestrator reports it.</summary>
    public static int ProcessId(DistributedApplication app, string resource)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            throw new InvalidOperationException($"'{resource}' has no state.");
        }

        foreach (var property in state.Snapshot.Properties)
        {
            if (property.Name is "executable.pid" or "project.pid" && int.TryParse(property.Value?.ToString(), out var pid))
            {
                return pid;
            }
        }

        throw new InvalidOperationException($"'{resource}' reports no process id: {string.Join(", ", state.Snapshot.Properties.Select(p => p.Name))}");
    }

    private static async Task ExecuteAsync(DistributedApplication app, string resource, string command, CancellationToken ct)
    {
        var commands = app.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, command, ct);
        Assert.True(result.Success, $"{command} of '{resource}' failed: {result.Message}");
    }

    private static Task WaitForComebackAsync(DistributedApplication app, string resource, CancellationToken ct, bool alreadyDown = false)
    {
        // Subscribed before the command is sent, so the way down is never missed; the predicate sees events in order.
        var sawDown = alreadyDown;
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        return app.ResourceNotifications.WaitForResourceAsync(resource, e =>
        {
            sawDown |= IsDown(e.Snapshot);
            return sawDown && e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy;
        }, timeout.Token).ContinueWith(t =>
        {
            timeout.Dispose();
            return t;
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    private static bool IsDown(CustomResourceSnapshot snapshot) =>
        snapshot.State?.Text is { } state && state != KnownResourceStates.Running;
}
