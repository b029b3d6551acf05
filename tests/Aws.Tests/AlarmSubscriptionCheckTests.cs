namespace Platform.Aws.Tests;

/// <summary>
/// After a prod deploy the workflow reads the alarm topic from the stack's outputs and fails while its e-mail
/// subscription is PendingConfirmation (nothing pages until the link is clicked): the stack names the topic, and the prod
/// deploy role may list that topic's subscriptions and no other stage's.
/// </summary>
public sealed class AlarmSubscriptionCheckTests(ProdStackFixture stack) : IClassFixture<ProdStackFixture>
{
    [Fact]
    public void The_prod_stack_names_its_alarm_topic_in_an_output()
    {
        var output = stack.Json["Outputs"]!["AlarmTopicArn"]!;

        Assert.Equal(stack.Json.Id("AWS::SNS::Topic", "Alarms"), (string?)output["Value"]!["Ref"]);
    }

    [Fact]
    public void The_prod_deploy_role_may_list_the_prod_alarm_topic_s_subscriptions_only()
    {
        var oidc = stack.App.Json("PlatformGitHubOidc");
        var statement = Assert.Single(oidc.IdentityStatements(), s => s.Policy.StartsWith("ProdDeployRole", StringComparison.Ordinal)
            && s.Statement.Actions().Contains("sns:ListSubscriptionsByTopic")).Statement;

        Assert.Equal(["sns:ListSubscriptionsByTopic"], statement.Actions());
        Assert.EndsWith(":Platform-prod-Alarms*", statement["Resource"]!.ToJsonString().TrimEnd(']', '}', '"'), StringComparison.Ordinal);
    }
}
