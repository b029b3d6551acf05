using System.Collections.Concurrent;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.AppHost.Hosting;

namespace Platform.AppHost.Tests;

/// <summary>A resource that fails says why in the AppHost's own console, not only in the dashboard.</summary>
public sealed class ResourceFailureReportTests
{
    [Fact]
    public async Task A_process_that_exits_with_an_error_is_reported_with_its_last_stderr_lines()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var console = new CollectingLoggerProvider();
        // An app of its own with one broken process; the AppHost's assembly tells Aspire where its orchestrator is.
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            Args = [],
            AssemblyName = "AppHost",
            DisableDashboard = true,
        });
        builder.Services.AddSingleton<ILoggerProvider>(console);
        ResourceFailureReport.Subscribe(builder);
        builder.AddExecutable("broken", "sh", ".", "-c",
            "echo 'starting'; echo 'FATAL:  lock file \"postmaster.pid\" already exists' >&2; echo 'HINT:  Is another postmaster running?' >&2; exit 3");

        await using var app = builder.Build();
        await app.StartAsync(timeout.Token);

        var report = await console.WaitForAsync("Platform.Resources", m => m.Contains("broken", StringComparison.Ordinal), timeout.Token);
        Assert.Contains("exited with code 3", report);
        Assert.Contains("FATAL:  lock file \"postmaster.pid\" already exists", report);
        Assert.Contains("HINT:  Is another postmaster running?", report);
        Assert.DoesNotContain("starting", report); // stderr, where servers say why they stopped, is what is shown
    }

    [Theory]
    [InlineData("Running", 0, null, false)]
    [InlineData("FailedToStart", null, "Starting", true)]
    [InlineData("Exited", 1, "Running", true)]
    [InlineData("Exited", 0, "Running", false)]
    [InlineData("Exited", 143, "Stopping", false)]
    public void Only_failures_nobody_asked_for_are_reported(string state, int? exitCode, string? previous, bool reported) =>
        Assert.Equal(reported, ResourceFailureReport.IsFailure(new Aspire.Hosting.ApplicationModel.CustomResourceSnapshot
        {
            ResourceType = "Executable",
            Properties = [],
            State = state,
            ExitCode = exitCode,
        }, previous));

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, string Message)> _messages = new();

        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _messages);

        public async Task<string> WaitForAsync(string category, Func<string, bool> match, CancellationToken ct)
        {
            while (true)
            {
                if (_messages.FirstOrDefault(m => m.Category == category && match(m.Message)) is { Message: { } found })
                {
                    return found;
                }

                await Task.Delay(100, ct);
            }
        }

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<(string, string)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue((category, formatter(state, exception)));
        }
    }
}
