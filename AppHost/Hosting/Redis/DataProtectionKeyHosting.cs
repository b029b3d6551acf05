using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aspire.Hosting.ApplicationModel;
using Platform.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// The key that encrypts a service's Data Protection key ring before it is written to Redis (ServiceDefaults'
/// <c>PlatformDataProtection</c>). Locally a self-signed certificate per service, generated once into
/// <c>.data/data-protection/{service}.pfx</c> (mode 600 from creation, never replaced: the ring's keys stay readable
/// only with it) and given to that service alone as <c>DataProtection:CertificatePath</c>. In the AWS form the
/// <see cref="EncryptedDataProtectionKeysAnnotation"/> asks the stack for a KMS key instead (FargateServiceTranslator).
/// </summary>
public static class DataProtectionKeyHosting
{
    public static IResourceBuilder<ProjectResource> WithEncryptedDataProtectionKeys(this IResourceBuilder<ProjectResource> service)
    {
        var builder = service.ApplicationBuilder;
        if (LocalRuntime.PublishesAwsStack(builder))
        {
            return service.WithAnnotation(new EncryptedDataProtectionKeysAnnotation(), ResourceAnnotationMutationBehavior.Replace);
        }

        var path = Path.Combine(LocalProcesses.DataDirectory(builder), "data-protection", $"{service.Resource.Name}.pfx");
        // Made when the AppHost starts and first asks for it, never while the model is built.
        var certificate = new Lazy<string>(() => EnsureCertificate(path, service.Resource.Name));
        return service.WithEnvironment(context => context.EnvironmentVariables["DataProtection__CertificatePath"] = certificate.Value);
    }

    private static string EnsureCertificate(string path, string serviceName)
    {
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest($"CN=platform {serviceName} data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(20));
        var bytes = certificate.Export(X509ContentType.Pkcs12);

        // Created with mode 600 (no moment in which another local user could open it), written aside and renamed so an
        // interrupted start leaves no half-written certificate.
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = LocalProcesses.CreateOwnerOnly(temporary))
        {
            stream.Write(bytes);
        }

        File.Move(temporary, path, overwrite: false);
        return path;
    }
}

/// <summary>
/// The service keeps a Data Protection key ring that must be encrypted at rest: in AWS the stack gives it
/// <c>DataProtection:KmsKeyId</c> and <c>DataProtection:KmsService</c>, and its task role KMS Encrypt/Decrypt bound to
/// its own encryption context.
/// </summary>
public sealed class EncryptedDataProtectionKeysAnnotation : IResourceAnnotation;
