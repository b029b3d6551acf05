using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Platform.AppHost.Hosting;

namespace Platform.AppHost.Tests;

/// <summary>
/// Start-up's critical path, as the model declares it: services wait only for what they cannot start without; the
/// schema migration is a step of its own; health checks are polled fast through a public extension point.
/// </summary>
public sealed class StartupOrderTests
{
    [Fact]
    public async Task The_schema_migration_is_a_step_of_its_own_that_the_api_and_the_worker_wait_for()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var migration = builder.Resource<SchemaMigrationResource>("migrations");
        Assert.Equal("postgres", migration.Database.Name);
        Assert.Contains(migration.Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "postgres");
        foreach (var service in new[] { "api", "worker" })
        {
            var waits = builder.Resource<ProjectResource>(service).Annotations.OfType<WaitAnnotation>().ToList();
            Assert.Contains(waits, w => w.Resource == migration && w.WaitType == WaitType.WaitForCompletion);
            Assert.DoesNotContain(waits, w => w.Resource is ProjectResource);
            Assert.Contains(SchemaMigrationHosting.MigrateOnStartVariable, await builder.EnvironmentKeysAsync(service));
        }
    }

    [Fact]
    public async Task Web_waits_for_no_other_service()
    {
        await using var builder = await AppModel.CreateAsync("processes");

        var waits = builder.Resource<ProjectResource>("web").Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name);

        Assert.Equal(["redis"], waits);
    }

    [Fact]
    public async Task Every_health_check_of_the_apphost_waits_for_readiness_in_run_mode()
    {
        await using var builder = await AppModel.CreateAsync("processes");
        await using var app = builder.Build();

        var registrations = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        Assert.NotEmpty(registrations);
        Assert.All(registrations, r => Assert.IsType<ReadinessProbing.WaitingHealthCheck>(r.Factory(app.Services)));
    }

    [Fact]
    public async Task A_waiting_check_answers_as_soon_as_its_resource_is_healthy()
    {
        var answers = new Queue<HealthStatus>([HealthStatus.Unhealthy, HealthStatus.Unhealthy, HealthStatus.Healthy]);
        var check = new ReadinessProbing.WaitingHealthCheck(() => new ScriptedCheck(answers));
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("x", new ScriptedCheck(answers), null, null) };

        var result = await check.CheckHealthAsync(context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Empty(answers);
    }

    private sealed class ScriptedCheck(Queue<HealthStatus> answers) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new HealthCheckResult(answers.Dequeue()));
    }
}
