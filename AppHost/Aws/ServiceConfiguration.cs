using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SecretsManager;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Constructs;

using IResource = Aspire.Hosting.ApplicationModel.IResource;

namespace Platform.AppHost.Aws;

/// <summary>A configuration value as an ECS task receives it: plain text (may hold CloudFormation tokens) or a secret.</summary>
public abstract record TaskValue;

/// <summary>A plain environment variable; the value may contain tokens (a bucket's name, the region).</summary>
public sealed record PlainTaskValue(string Value) : TaskValue;

/// <summary>An ECS secret: a Secrets Manager secret, or one JSON field of it.</summary>
public sealed record SecretTaskValue(ISecret Secret, string? JsonField) : TaskValue;

/// <summary>
/// Maps every value the app model gives a service to what its ECS task receives, generically, by the kind of value:
/// <list type="bullet">
/// <item>strings → plain environment variables;</item>
/// <item><see cref="AwsResourceOutput"/> (<c>{storage.outputs.BucketName}</c>) → the attribute of the construct the
/// resource became (registered by the resource's translation), plain or secret; the service is given the access the
/// resource grants. An <see cref="AwsResourceName"/> maps the same way and grants nothing;</item>
/// <item>connection strings → their expression, mapped part by part; an expression with a secret part becomes one
/// Secrets Manager secret assembled by CloudFormation dynamic references, injected as an ECS secret;</item>
/// <item>endpoints of other services (<c>services__api__http__0</c>) → the service's ECS Service Connect URL;</item>
/// <item>parameters → CloudFormation parameters (secret ones NoEcho, delivered through a Secrets Manager secret);</item>
/// <item>the AWS region → the stack's region.</item>
/// </list>
/// Anything else fails the publish, naming the service and the key: a configuration value never silently disappears.
/// </summary>
public sealed partial class ServiceConfiguration
{
    /// <summary>The port every service container listens on (the .NET container images' default, ASPNETCORE_HTTP_PORTS).</summary>
    public const int ContainerPort = 8080;

    private readonly Construct _scope;
    private readonly IKey _key;
    private readonly string _region;
    private readonly Dictionary<(IResource Resource, string Output), TaskValue> _outputs = [];
    private readonly Dictionary<IResource, string> _serviceDnsNames = [];
    private readonly Dictionary<string, ISecret> _assembledSecrets = new(StringComparer.Ordinal);
    private readonly Dictionary<ParameterResource, TaskValue> _parameters = [];
    private readonly SortedDictionary<string, (IResource Resource, string Output, string Value)> _usedPlainOutputs = new(StringComparer.Ordinal);

    public ServiceConfiguration(Construct scope, IKey key, string region)
    {
        _scope = new Construct(scope, "ServiceConfiguration");
        _key = key;
        _region = region;
    }

    /// <summary>Says what an output of a resource is in AWS (called by the resource's translation).</summary>
    public void RegisterOutput(AwsResourceOutput output, TaskValue value) => _outputs[(output.Resource, output.OutputName)] = value;

    /// <summary>Says under which Service Connect name a service answers (called for every service before mapping).</summary>
    public void RegisterService(IResource service, string dnsName) => _serviceDnsNames[service] = dnsName;

    /// <summary>The plain outputs services received: the stack publishes these for stack references (SSM + outputs).</summary>
    public IEnumerable<(IResource Resource, string Output, string Value)> UsedPlainOutputs => _usedPlainOutputs.Values;

    /// <summary>Maps one configuration entry of <paramref name="service"/>; <paramref name="touched"/> collects the resources it reaches.</summary>
    public TaskValue Map(string service, string key, object value, ISet<IResource> touched)
    {
        try
        {
            return MapValue(value, touched, key);
        }
        catch (UnmappableValueException ex)
        {
            throw new InvalidOperationException(
                $"The AWS stack cannot give service '{service}' its configuration '{key}' ({Describe(value)}): {ex.Message}. " +
                "Map this kind of value in AppHost/Aws/ServiceConfiguration.cs, or give the service a value that has an AWS form.", ex);
        }
    }

    /// <param name="name">What the value is called, for the construct id of a secret assembled for it.</param>
    private TaskValue MapValue(object value, ISet<IResource> touched, string name)
    {
        switch (value)
        {
            case string text:
                return new PlainTaskValue(text);
            case AwsResourceOutput output:
                touched.Add(output.Resource);
                return MapOutput(output);
            case AwsResourceName named:
                // Named, not used: the resource is not touched, so the service gets no access to it and no route to it.
                return MapOutput(named.Output);
            case AwsRegionValue:
                return new PlainTaskValue(_region);
            case ConnectionStringReference reference:
                touched.Add(reference.Resource);
                return MapExpression(reference.Resource.ConnectionStringExpression, touched, $"{reference.Resource.Name} connection string");
            case IResourceWithConnectionString resource:
                touched.Add(resource);
                return MapExpression(resource.ConnectionStringExpression, touched, $"{resource.Name} connection string");
            case ReferenceExpression expression:
                return MapExpression(expression, touched, name);
            case EndpointReference endpoint:
                return new PlainTaskValue(ServiceUrl(endpoint, touched));
            case EndpointReferenceExpression property:
                return new PlainTaskValue(EndpointProperty(property, touched));
            case ParameterResource parameter:
                return Parameter(parameter);
            default:
                throw new UnmappableValueException($"values of type {value.GetType().Name} have no AWS form");
        }
    }

    private TaskValue MapOutput(AwsResourceOutput output)
    {
        if (!_outputs.TryGetValue((output.Resource, output.OutputName), out var mapped))
        {
            throw new UnmappableValueException($"no construct in the stack provides {output.ValueExpression}");
        }

        if (mapped is PlainTaskValue plain)
        {
            _usedPlainOutputs[$"{output.Resource.Name}/{output.OutputName}"] = (output.Resource, output.OutputName, plain.Value);
        }

        return mapped;
    }

    private TaskValue MapExpression(ReferenceExpression expression, ISet<IResource> touched, string name)
    {
        // Nested expressions (a database's connection string inside its server's) are flattened, so each value is one
        // string or one secret, never a secret that refers to another.
        var segments = new List<TaskValue>();
        Flatten(expression, segments, touched, name);
        if (segments.Count == 1)
        {
            return segments[0];
        }

        if (segments.All(p => p is PlainTaskValue))
        {
            return new PlainTaskValue(string.Concat(segments.Select(p => ((PlainTaskValue)p).Value)));
        }

        // A value with a secret inside (a connection string with its password): CloudFormation assembles it into one
        // Secrets Manager secret from dynamic references, so the whole value is only ever plain inside Secrets Manager.
        if (!_assembledSecrets.TryGetValue(expression.ValueExpression, out var secret))
        {
            var assembled = string.Concat(segments.Select(p => p switch
            {
                PlainTaskValue plain => plain.Value,
                SecretTaskValue { JsonField: { } field } s => s.Secret.SecretValueFromJson(field).UnsafeUnwrap(),
                SecretTaskValue s => s.Secret.SecretValue.UnsafeUnwrap(),
                _ => throw new UnmappableValueException("unknown part"),
            }));
            var id = Sanitize(name);
            for (var n = 2; _scope.Node.TryFindChild(id) is not null; n++)
            {
                id = $"{Sanitize(name)}{n}";
            }

            secret = NewSecret(id, $"Assembled from the stack's generated secrets: {expression.ValueExpression}",
                SecretValue.UnsafePlainText(assembled),
                "Assembled by CloudFormation from the generated secrets at each deployment; it changes when they do (rotate the source secret, then redeploy), so a rotation Lambda of its own would only desynchronize it.");
            _assembledSecrets[expression.ValueExpression] = secret;
        }

        return new SecretTaskValue(secret, null);
    }

    /// <summary>Splits a .NET composite format (<c>Host={0};Port={1}</c>, <c>{{</c> escapes) into literals and mapped values.</summary>
    private void Flatten(ReferenceExpression expression, List<TaskValue> segments, ISet<IResource> touched, string name)
    {
        if (expression.IsConditional)
        {
            throw new UnmappableValueException("conditional expressions have no AWS form yet");
        }

        var format = expression.Format;
        var last = 0;
        foreach (Match match in PlaceholderPattern().Matches(format))
        {
            AddLiteral(segments, Unescape(format[last..match.Index]));
            // Format specifiers (":uri") need no work: the stack's generated secrets contain no characters to escape.
            var provider = expression.ValueProviders[int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture)];
            switch (provider)
            {
                case ReferenceExpression inner:
                    Flatten(inner, segments, touched, name);
                    break;
                case ConnectionStringReference reference:
                    touched.Add(reference.Resource);
                    Flatten(reference.Resource.ConnectionStringExpression, segments, touched, name);
                    break;
                case IResourceWithConnectionString resource:
                    touched.Add(resource);
                    Flatten(resource.ConnectionStringExpression, segments, touched, name);
                    break;
                default:
                    var value = MapValue(provider, touched, name);
                    if (value is PlainTaskValue plain)
                    {
                        AddLiteral(segments, plain.Value);
                    }
                    else
                    {
                        segments.Add(value);
                    }

                    break;
            }

            last = match.Index + match.Length;
        }

        AddLiteral(segments, Unescape(format[last..]));
    }

    private static void AddLiteral(List<TaskValue> segments, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        if (segments.Count > 0 && segments[^1] is PlainTaskValue previous)
        {
            segments[^1] = new PlainTaskValue(previous.Value + text);
        }
        else
        {
            segments.Add(new PlainTaskValue(text));
        }
    }

    private string ServiceUrl(EndpointReference endpoint, ISet<IResource> touched)
    {
        touched.Add(endpoint.Resource);
        if (!_serviceDnsNames.TryGetValue(endpoint.Resource, out var dnsName))
        {
            throw new UnmappableValueException($"'{endpoint.Resource.Name}' is not a service of the stack, so its endpoint has no address");
        }

        // http and https both mean "the service": inside the VPC it answers plain HTTP on Service Connect; TLS ends at
        // CloudFront and the load balancer.
        return string.Create(CultureInfo.InvariantCulture, $"http://{dnsName}:{ContainerPort}");
    }

    private string EndpointProperty(EndpointReferenceExpression property, ISet<IResource> touched)
    {
        var endpoint = property.Endpoint;
        if (property.Property is Aspire.Hosting.ApplicationModel.EndpointProperty.TargetPort)
        {
            // A service's own listening port (HTTP_PORTS), the same in every task.
            return ContainerPort.ToString(CultureInfo.InvariantCulture);
        }

        var url = ServiceUrl(endpoint, touched);
        return property.Property switch
        {
            Aspire.Hosting.ApplicationModel.EndpointProperty.Url => url,
            Aspire.Hosting.ApplicationModel.EndpointProperty.Host or Aspire.Hosting.ApplicationModel.EndpointProperty.IPV4Host => _serviceDnsNames[endpoint.Resource],
            Aspire.Hosting.ApplicationModel.EndpointProperty.Port => ContainerPort.ToString(CultureInfo.InvariantCulture),
            Aspire.Hosting.ApplicationModel.EndpointProperty.HostAndPort => $"{_serviceDnsNames[endpoint.Resource]}:{ContainerPort}",
            Aspire.Hosting.ApplicationModel.EndpointProperty.Scheme => "http",
            Aspire.Hosting.ApplicationModel.EndpointProperty.TlsEnabled => "false",
            var other => throw new UnmappableValueException($"the endpoint property {other} has no AWS form"),
        };
    }

    private TaskValue Parameter(ParameterResource parameter)
    {
        if (_parameters.TryGetValue(parameter, out var existing))
        {
            return existing;
        }

        var cfn = new CfnParameter(Stack.Of(_scope), "Parameter" + Sanitize(parameter.Name), new CfnParameterProps
        {
            Type = "String",
            NoEcho = parameter.Secret,
            Description = $"The app model's parameter '{parameter.Name}'{(parameter.Secret ? " (secret)" : "")}.",
        });
        TaskValue mapped = new PlainTaskValue(cfn.ValueAsString);
        if (parameter.Secret)
        {
            var secret = NewSecret("Parameter" + Sanitize(parameter.Name),
                $"The app model's secret parameter '{parameter.Name}', from the deployment's parameters.",
                SecretValue.CfnParameter(cfn),
                "Its value is a deployment parameter: it changes when the deployment passes a new one, not by a rotation Lambda.");
            mapped = new SecretTaskValue(secret, null);
        }

        _parameters[parameter] = mapped;
        return mapped;
    }

    private static string Unescape(string literal) => literal.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal);

    private static string Describe(object value) => value switch
    {
        IManifestExpressionProvider provider => provider.ValueExpression,
        _ => value.GetType().Name,
    };

    /// <summary>A construct id from an expression: letters and digits only, readable in the template.</summary>
    public static string Sanitize(string text)
    {
        var result = new StringBuilder();
        var upper = true;
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                result.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        return result.ToString();
    }

    /// <summary>A secret encrypted with the stack's key whose value CloudFormation sets, so no rotation Lambda applies.</summary>
    private Secret NewSecret(string id, string description, SecretValue value, string whyNoRotation)
    {
        var secret = new Secret(_scope, id, new SecretProps
        {
            Description = description,
            EncryptionKey = _key,
            SecretStringValue = value,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        PolicySuppressions.Add(secret, new PolicySuppressions.Suppression("AwsSolutions-SMG4", whyNoRotation));
        return secret;
    }

    [GeneratedRegex(@"(?<!\{)\{(?<index>\d+)(:[^}]*)?\}")]
    private static partial Regex PlaceholderPattern();

    private sealed class UnmappableValueException(string message) : Exception(message);
}
