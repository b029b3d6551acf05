using System.Text.RegularExpressions;

namespace Platform.Aws.Tests;

/// <summary>
/// A deploy job's AWS credentials outlive the job: a first prod create takes 45–70 minutes (CloudFront, Multi-AZ RDS
/// and its replica, the rotation's nested stack), and credentials that expire mid-deploy leave the CDK CLI unable to
/// follow (or roll back) the stack. configure-aws-credentials asks for one hour unless told otherwise, and STS refuses
/// more than the role's MaxSessionDuration.
/// </summary>
public sealed partial class DeploySessionDurationTests(DevStackFixture stack) : IClassFixture<DevStackFixture>
{
    [Theory]
    [InlineData("deploy.yml")]
    [InlineData("deploy-stage.yml")]
    public void Each_credentials_step_asks_for_a_session_as_long_as_its_job_and_the_deploy_roles_allow_it(string workflow)
    {
        var lines = File.ReadAllLines(Path.Combine(Synthesis.RepositoryRoot, ".github", "workflows", workflow));
        var roles = stack.App.Json("PlatformGitHubOidc").Resources("AWS::IAM::Role").ToList();
        Assert.NotEmpty(roles);
        var maxSession = roles.Min(r => (int?)r.Properties["MaxSessionDuration"] ?? 3600);

        var steps = lines.Select((line, i) => (line, i)).Where(l => l.line.Contains("uses: aws-actions/configure-aws-credentials@", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(steps);
        foreach (var (line, index) in steps)
        {
            // The step's own lines: its keys sit where "uses:" does, their values deeper; the next step's "- " sits less deep.
            var indent = line.IndexOf("uses:", StringComparison.Ordinal);
            var body = lines.Skip(index + 1).TakeWhile(l => l.Trim().Length == 0 || (l.Length - l.TrimStart().Length) >= indent).ToList();
            var asked = body.Select(l => DurationSetting().Match(l)).FirstOrDefault(m => m.Success);
            Assert.True(asked is not null, $"{workflow}: the credentials step (line {index + 1}) takes configure-aws-credentials' default of one hour; set role-duration-seconds");
            var seconds = int.Parse(asked.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

            // The job's timeout: the nearest timeout-minutes above the step.
            var timeout = lines.Take(index).Reverse().Select(l => JobTimeout().Match(l)).First(m => m.Success);
            var jobSeconds = int.Parse(timeout.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 60;
            Assert.True(seconds >= jobSeconds, $"{workflow}: credentials for {seconds} s in a job that may run {jobSeconds} s");
            Assert.True(seconds <= maxSession, $"{workflow}: asks for {seconds} s, more than the deploy roles' MaxSessionDuration of {maxSession} s: STS refuses it");
        }
    }

    [Fact]
    public void The_deploy_roles_allow_sessions_of_three_hours()
    {
        foreach (var (id, properties) in stack.App.Json("PlatformGitHubOidc").Resources("AWS::IAM::Role"))
        {
            Assert.True((int?)properties["MaxSessionDuration"] >= 3 * 3600, $"{id}: MaxSessionDuration {properties["MaxSessionDuration"]} s is shorter than a first prod create may take");
        }
    }

    [GeneratedRegex(@"^\s*role-duration-seconds:\s*(\d+)\s*$")]
    private static partial Regex DurationSetting();

    [GeneratedRegex(@"^\s*timeout-minutes:\s*(\d+)\s*$")]
    private static partial Regex JobTimeout();
}
