using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>Assertions the review findings of issue 10 share between the dev and the prod stack.</summary>
internal static class StackAssertions
{
    /// <summary>Finding 1: S3 rejects a lifecycle rule whose expiration does not come after its transitions.</summary>
    public static void EveryExpirationComesAfterItsTransitions(JsonObject template)
    {
        foreach (var (id, bucket) in template.Resources("AWS::S3::Bucket"))
        {
            foreach (var rule in bucket["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [])
            {
                var noncurrentTransitions = (rule!["NoncurrentVersionTransitions"]?.AsArray() ?? []).Select(t => (int)t!["TransitionInDays"]!).ToList();
                if (rule["NoncurrentVersionExpiration"]?["NoncurrentDays"] is { } noncurrentExpiry && noncurrentTransitions.Count > 0)
                {
                    Assert.True((int)noncurrentExpiry > noncurrentTransitions.Max(), $"{id}: old versions expire after {noncurrentExpiry} days, not after their transition on day {noncurrentTransitions.Max()}");
                    Assert.True((int)noncurrentExpiry - noncurrentTransitions.Max() >= 90, $"{id}: old versions leave Glacier before its 90-day minimum");
                }

                var transitions = (rule["Transitions"]?.AsArray() ?? []).Select(t => (int)t!["TransitionInDays"]!).ToList();
                if (rule["ExpirationInDays"] is { } expiry && transitions.Count > 0)
                {
                    Assert.True((int)expiry > transitions.Max(), $"{id}: objects expire after {expiry} days, not after their transition on day {transitions.Max()}");
                }
            }
        }
    }
}
