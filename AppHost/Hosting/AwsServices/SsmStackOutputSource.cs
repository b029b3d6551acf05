using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Reads a stack's outputs from SSM Parameter Store, under <c>/{stackName}/outputs/{resource}/{output}</c>, where the CDK
/// stack writes one String parameter per value a service receives. Why not CloudFormation's DescribeStacks:
/// it would add another SDK client (or the AWS CLI as an install) and a read permission on the whole stack, while SSM
/// works with the same profile and needs only <c>ssm:GetParametersByPath</c> on that one path.
/// </summary>
public sealed class SsmStackOutputSource(IAwsSdkConfig config) : IStackOutputSource
{
    public static string ParameterPath(string stackName) => $"/{stackName}/outputs/";

    public async Task<IReadOnlyDictionary<string, string>> GetOutputsAsync(string stackName, CancellationToken cancellationToken)
    {
        using var ssm = CreateClient();
        var path = ParameterPath(stackName);
        var outputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await ssm.GetParametersByPathAsync(new GetParametersByPathRequest { Path = path, Recursive = true, NextToken = next }, cancellationToken);
            foreach (var parameter in page.Parameters ?? [])
            {
                outputs[parameter.Name[path.Length..]] = parameter.Value;
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return outputs.Count > 0
            ? outputs
            : throw new DistributedApplicationException($"No outputs under SSM path '{path}' in {config.Region}: is the stack '{stackName}' deployed there?");
    }

    private AmazonSimpleSystemsManagementClient CreateClient()
    {
        var region = RegionEndpoint.GetBySystemName(config.Region);
        if (config.Profile is { } profile)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out AWSCredentials credentials)
                ? new AmazonSimpleSystemsManagementClient(credentials, region)
                : throw new DistributedApplicationException($"The AWS profile '{profile}' ({AwsSdkConfigHosting.ProfileKey}) was not found in ~/.aws.");
        }

        return new AmazonSimpleSystemsManagementClient(region);
    }
}
