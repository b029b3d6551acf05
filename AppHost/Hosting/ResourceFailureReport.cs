using System.Collections.Concurrent;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.AppHost.Hosting;

/// <summary>
/// When a resource fails to start or its process exits with an error, the AppHost's console says so with the resource's
/// last lines of output (its stderr, where servers write why they stopped): the reason is in the terminal that ran
/// <c>eng/run.sh</c>, not only in the dashboard. Aspire itself logs only the state ("failed to start").
/// </summary>
internal static class ResourceFailureReport
{
    /// <summary>How many of the resource's last output lines the report shows.</summary>
    public const int TailLines = 15;

    public static void Subscribe(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var logs = e.Services.GetRequiredService<ResourceLoggerService>();
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Resources");
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var tails = new ConcurrentDictionary<string, Tail>();
            var states = new ConcurrentDictionary<string, string?>();
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var update in notifications.WatchAsync(stopping))
                    {
                        var id = update.ResourceId;
                        var tail = tails.GetOrAdd(id, key => Tail.Follow(logs, key, stopping));
                        var state = update.Snapshot.State?.Text;
                        var previous = states.TryGetValue(id, out var p) ? p : null;
                        states[id] = state;
                        if (state == previous || stopping.IsCancellationRequested || !IsFailure(update.Snapshot, previous))
                        {
                            continue;
                        }

                        // Give the last lines a moment to arrive: a process's final words and its exit race each other.
                        await tail.SettleAsync(stopping);
                        logger.LogError("{Resource} {What}. Its last output:{NewLine}{Tail}",
                            update.Resource.Name,
                            state == KnownResourceStates.FailedToStart ? "failed to start" : $"exited with code {update.Snapshot.ExitCode}",
                            Environment.NewLine,
                            tail.Describe());
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, stopping);
            return Task.CompletedTask;
        });
    }

    /// <summary>Failed to start, or a process that ended with an error while nobody was stopping it.</summary>
    internal static bool IsFailure(CustomResourceSnapshot snapshot, string? previousState) =>
        snapshot.State?.Text == KnownResourceStates.FailedToStart
        || (snapshot.State?.Text is { } state
            && (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished)
            && snapshot.ExitCode is { } code && code != 0
            && previousState != KnownResourceStates.Stopping);

    /// <summary>The last <see cref="TailLines"/> lines a resource wrote, stderr preferred.</summary>
    internal sealed class Tail
    {
        private readonly Queue<LogLine> _lines = new();
        private long _received;

        public static Tail Follow(ResourceLoggerService logs, string resourceId, CancellationToken ct)
        {
            var tail = new Tail();
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(ct))
                    {
                        foreach (var line in batch)
                        {
                            tail.Add(line);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, ct);
            return tail;
        }

        public void Add(LogLine line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > TailLines * 4)
                {
                    _lines.Dequeue();
                }

                _received++;
            }
        }

        /// <summary>Waits until no new line arrived for a short while (at most a second).</summary>
        public async Task SettleAsync(CancellationToken ct)
        {
            for (var i = 0; i < 10; i++)
            {
                var before = Interlocked.Read(ref _received);
                await Task.Delay(100, ct);
                if (Interlocked.Read(ref _received) == before && before > 0)
                {
                    return;
                }
            }
        }

        public string Describe()
        {
            LogLine[] snapshot;
            lock (_lines)
            {
                snapshot = [.. _lines];
            }

            var errors = snapshot.Where(l => l.IsErrorMessage).ToArray();
            var shown = (errors.Length > 0 ? errors : snapshot).TakeLast(TailLines).ToArray();
            if (shown.Length == 0)
            {
                return "    (no output)";
            }

            var text = new StringBuilder();
            foreach (var line in shown)
            {
                text.Append("    | ").AppendLine(line.Content.TrimEnd());
            }

            return text.ToString().TrimEnd();
        }
    }
}
