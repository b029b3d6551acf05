using System.Net.Sockets;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// A timeout and a circuit breaker around every call to one dependency (the database, Redis, S3, SQS): a call that
/// hangs is cut off, and once calls keep failing the next ones fail at once for <see cref="DependencyGuardOptions.BreakDuration"/>
/// instead of each waiting for its own timeout. Either way the caller gets a <see cref="DependencyUnavailableException"/>
/// it can turn into a fast 503 (the Api), a paused consumer (the Worker) or a cache bypass (the media cache).
/// Built on Polly's timeout and circuit-breaker strategies with Polly's logging and metrics.
/// </summary>
public sealed class DependencyGuard
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly DependencyGuardOptions _options;

    public DependencyGuard(string dependency, DependencyGuardOptions options, ILoggerFactory loggers)
    {
        Dependency = dependency;
        _options = options;
        _pipeline = new ResiliencePipelineBuilder { Name = $"dependency-{dependency}" }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = options.BreakDuration,
                StateProvider = _state,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } error && IsFailure(error, args.Context.CancellationToken)),
                OnOpened = _ =>
                {
                    options.OnBreak?.Invoke();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                // No default (a database call is bounded by its own command timeout): the call's own, or no limit.
                TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.Properties.TryGetValue(TimeoutKey, out var timeout) ? timeout : options.Timeout ?? System.Threading.Timeout.InfiniteTimeSpan),
            })
            .ConfigureTelemetry(loggers)
            .Build();
    }

    /// <summary>The name a problem or a log line gives the dependency ("database", "storage", …).</summary>
    public string Dependency { get; }

    /// <summary>
    /// False while the circuit is open: calls fail at once, without trying. An observation only: Polly closes an open
    /// circuit only through a call made after the break, so a caller that skips its calls while this is false keeps the
    /// circuit open for good.
    /// </summary>
    public bool IsAvailable => _state.CircuitState is not (CircuitState.Open or CircuitState.Isolated);

    /// <summary>Runs <paramref name="operation"/> under the guard; <paramref name="timeout"/> overrides the default for long calls.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        if (timeout is { } custom)
        {
            context.Properties.Set(TimeoutKey, custom);
        }

        try
        {
            // Polly's timeout is cooperative: it cancels the token and waits for the call to end. A client that ignores the
            // token, or whose call never ends (StackExchange.Redis can leave one pending when a connection is torn down
            // mid-command), would hold the caller forever; WaitAsync lets go of the call when the token is cancelled.
            return await _pipeline.ExecuteAsync(static (ctx, op) => new ValueTask<T>(op(ctx.CancellationToken).WaitAsync(ctx.CancellationToken)), context, operation);
        }
        catch (Exception ex) when (ex is not DependencyUnavailableException && IsFailure(ex, cancellationToken))
        {
            throw new DependencyUnavailableException(Dependency, (ex as BrokenCircuitException)?.RetryAfter ?? _options.BreakDuration, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// A failure of the dependency, not of the caller: what the options call one, or a cancellation nobody asked for
    /// (a client library's own timeout).
    /// </summary>
    private bool IsFailure(Exception error, CancellationToken callerToken) =>
        !callerToken.IsCancellationRequested
        && (error is OperationCanceledException || (_options.IsFailure ?? DependencyFailures.IsUnavailable)(error));

    public Task RunAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        RunAsync(async ct =>
        {
            await operation(ct);
            return true;
        }, cancellationToken, timeout);

    private static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("platform.dependency.timeout");
}

/// <summary>How long one call may take, and how quickly a failing dependency is given up on and tried again.</summary>
public sealed class DependencyGuardOptions
{
    /// <summary>
    /// The longest a call may take unless it asks for more (a multipart completion); null when the client library's
    /// own timeouts bound every call (Npgsql's connect and command timeouts).
    /// </summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long calls fail at once after the circuit opened; then one call tries again. Also the Retry-After.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed calls (at least half of those in 10 s) that open the circuit.</summary>
    public int MinimumThroughput { get; init; } = 3;

    /// <summary>Runs when the circuit opens (e.g. drop pooled connections that died with the server).</summary>
    public Action? OnBreak { get; init; }

    /// <summary>
    /// Which exceptions mean the dependency failed (the rest pass through untouched: a constraint violation is the
    /// caller's business). Default: <see cref="DependencyFailures.IsUnavailable"/>.
    /// </summary>
    public Func<Exception, bool>? IsFailure { get; init; }
}

/// <summary>A call could not reach a dependency (down, timed out, or its circuit is open). Worth retrying later.</summary>
public sealed class DependencyUnavailableException(string dependency, TimeSpan retryAfter, Exception? innerException)
    : Exception($"The {dependency} is unavailable.", innerException)
{
    public string Dependency { get; } = dependency;

    /// <summary>When trying again makes sense.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>Tells failures of reaching a dependency (worth a 503 and a retry) from errors a retry would repeat.</summary>
public static class DependencyFailures
{
    public static bool IsUnavailable(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DependencyUnavailableException or BrokenCircuitException or TimeoutRejectedException:
                case NpgsqlException { IsTransient: true }:
                case RedisConnectionException or RedisTimeoutException:
                case HttpRequestException or SocketException or TimeoutException:
                case AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError }:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsUnavailable);
            }
        }

        return false;
    }

    /// <summary>
    /// What a failure that did not pass a guard was reaching, named as the guards name it: a call outside a guard (an
    /// Identity store query, a raw SQL statement) still tells the client which dependency is down.
    /// </summary>
    public static string? DependencyOf(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DependencyUnavailableException unavailable:
                    return unavailable.Dependency;
                case NpgsqlException:
                    return "database";
                case RedisConnectionException or RedisTimeoutException:
                    return "cache";
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(DependencyOf).FirstOrDefault(d => d is not null);
            }
        }

        return null;
    }

    /// <summary>The unavailable dependency behind <paramref name="error"/>, or null when it is another kind of error.</summary>
    public static DependencyUnavailableException? Find(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is DependencyUnavailableException unavailable)
            {
                return unavailable;
            }
        }

        return null;
    }
}

public static class DependencyGuardExtensions
{
    /// <summary>
    /// Registers the guard of one dependency as a keyed singleton (<paramref name="key"/>), so every caller of that
    /// dependency in the process shares its circuit.
    /// </summary>
    public static IServiceCollection AddDependencyGuard(this IServiceCollection services, string key, string dependency, DependencyGuardOptions? options = null)
    {
        services.TryAddKeyedSingleton(key, (sp, _) => new DependencyGuard(dependency, options ?? new DependencyGuardOptions(), sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
