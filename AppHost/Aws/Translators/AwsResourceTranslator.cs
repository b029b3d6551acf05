using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Aspire.Hosting.ApplicationModel;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws.Translators;

/// <summary>
/// Which translator builds a resource's AWS form. Added by the resource's <c>Add…</c> extension when the model is
/// published (AppHost/Hosting), the way Aspire.Hosting.AWS marks what each publish target turns into; the stack reads it
/// and never switches on resource types.
/// </summary>
public sealed class AwsFormAnnotation(Type translator) : IResourceAnnotation
{
    public Type Translator { get; } = typeof(IAwsResourceTranslator).IsAssignableFrom(translator)
        ? translator
        : throw new ArgumentException($"{translator.Name} is not an {nameof(IAwsResourceTranslator)}.", nameof(translator));

    public static AwsFormAnnotation Of<TTranslator>() where TTranslator : IAwsResourceTranslator => new(typeof(TTranslator));
}

/// <summary>What a service referencing a resource is let through to: a security group and port.</summary>
public sealed record AwsIngress(IConnectable Target, int Port);

/// <summary>
/// One kind of resource in AWS: its constructs (and the configuration outputs services receive from them), the network
/// ingress and the IAM grant a referencing service gets. Instantiated once per stack with the stack as its only argument.
/// </summary>
public interface IAwsResourceTranslator
{
    /// <summary>Builds the AWS form of every resource of the model this translator was chosen for, in model order.</summary>
    void Translate(IReadOnlyList<IResource> resources);

    /// <summary>Where a service that references <paramref name="resource"/> may connect to, if anywhere.</summary>
    AwsIngress? IngressFor(IResource resource);

    /// <summary>Lets <paramref name="service"/>'s task role do what its reference to <paramref name="resource"/> asks.</summary>
    void Grant(IResource resource, ProjectResource service, IRole taskRole);
}

/// <summary>A translator for resources of one type.</summary>
public abstract class AwsResourceTranslator<TResource>(PlatformStack stack) : IAwsResourceTranslator
    where TResource : class, IResource
{
    protected PlatformStack Stack { get; } = stack;

    protected StageProfile Profile => Stack.Profile;

    public abstract void Translate(IReadOnlyList<TResource> resources);

    public virtual AwsIngress? IngressFor(TResource resource) => null;

    public virtual void Grant(TResource resource, ProjectResource service, IRole taskRole)
    {
    }

    void IAwsResourceTranslator.Translate(IReadOnlyList<IResource> resources) => Translate(resources.Select(Cast).ToList());

    AwsIngress? IAwsResourceTranslator.IngressFor(IResource resource) => IngressFor(Cast(resource));

    void IAwsResourceTranslator.Grant(IResource resource, ProjectResource service, IRole taskRole) => Grant(Cast(resource), service, taskRole);

    private TResource Cast(IResource resource) => resource as TResource
        ?? throw new InvalidOperationException($"{GetType().Name} translates {typeof(TResource).Name} resources, not '{resource.Name}' ({resource.GetType().Name}).");
}
