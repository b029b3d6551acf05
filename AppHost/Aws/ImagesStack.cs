using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Constructs;

namespace Platform.AppHost.Aws;

/// <summary>
/// <c>PlatformImages</c>: one ECR repository per service of the model (<c>platform/{service}</c>), shared by every stage
/// (dev and prod run the same image, tagged with the commit SHA). A stack of its own because images must be pushed
/// after the repositories exist and before the application stack's services start; the application stack finds the
/// repositories by name, so neither template depends on the other's deployment.
/// </summary>
public sealed class ImagesStack : Stack
{
    public const string Id = "PlatformImages";

    public static string RepositoryName(string service) => $"platform/{service}";

    public ImagesStack(Construct scope, PublishedModel model, AwsDeploymentSettings settings)
        : base(scope, Id, new StackProps
        {
            Env = new Amazon.CDK.Environment { Region = settings.Region },
            Description = "Platform: the ECR repositories of the service images.",
        })
    {
        foreach (var service in model.Services)
        {
            var id = ServiceConfiguration.Sanitize(service.Name);
            var repository = new Repository(this, id, new RepositoryProps
            {
                RepositoryName = RepositoryName(service.Name),
                // A commit's image never changes under its tag: what was tested is what runs.
                ImageTagMutability = TagMutability.IMMUTABLE,
                ImageScanOnPush = true,
                Encryption = RepositoryEncryption.KMS,
                LifecycleRules =
                [
                    new LifecycleRule { Description = "Keep the last 100 images", MaxImageCount = 100, RulePriority = 1 },
                ],
                RemovalPolicy = RemovalPolicy.RETAIN,
            });
            new CfnOutput(this, $"{id}RepositoryUri", new CfnOutputProps { Value = repository.RepositoryUri, Description = $"The {service.Name} image repository." });
        }
    }
}
