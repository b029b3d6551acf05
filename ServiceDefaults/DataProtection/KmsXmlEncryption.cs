using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Xml.Linq;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.DataProtection;

// Written here because no package serves it: ASP.NET Core ships certificate, DPAPI and Windows encryptors only, and the
// NuGet feed this solution restores from has no AWS KMS encryptor for Data Protection. It is two small calls, KMS
// Encrypt and Decrypt, in the shape of ASP.NET Core's CertificateXmlEncryptor/EncryptedXmlDecryptor pair.

/// <summary>
/// Where a service's Data Protection keys are encrypted in AWS: a KMS key, and the service's name, which becomes the
/// encryption context every Encrypt and Decrypt call carries. The stack grants each task role KMS only under its own
/// service's context, so one service's role cannot decrypt another's ring, even though both use the same key.
/// </summary>
public sealed class KmsDataProtectionOptions
{
    /// <summary>The encryption context key naming the service (IAM: <c>kms:EncryptionContext:platform:service</c>).</summary>
    public const string ServiceContextKey = "platform:service";

    /// <summary>The encryption context key naming the use, so the same service's other ciphertexts are never interchangeable.</summary>
    public const string PurposeContextKey = "purpose";

    public const string Purpose = "data-protection";

    /// <summary>The KMS key (id, ARN or alias) that encrypts the ring's keys (<c>DataProtection:KmsKeyId</c>).</summary>
    [Required(ErrorMessage = "The KMS key is missing: set 'DataProtection:KmsKeyId' (the AWS stack provides it).")]
    public string KmsKeyId { get; set; } = "";

    /// <summary>The service whose ring this is (<c>DataProtection:KmsService</c>), as the stack's IAM condition names it.</summary>
    [Required(ErrorMessage = "The service name for the KMS encryption context is missing: set 'DataProtection:KmsService' (the AWS stack provides it).")]
    [RegularExpression("^[a-z][a-z0-9-]{0,62}$", ErrorMessage = "'DataProtection:KmsService' must be a service name: lower-case letters, digits and '-'.")]
    public string KmsService { get; set; } = "";

    /// <summary>The encryption context of every call: binds each ciphertext to this service and this use.</summary>
    public Dictionary<string, string> EncryptionContext() => new(StringComparer.Ordinal)
    {
        [ServiceContextKey] = KmsService,
        [PurposeContextKey] = Purpose,
    };
}

/// <summary>
/// Encrypts a key's secret element (<c>&lt;masterKey&gt;</c>) with KMS Encrypt. The result is
/// <c>&lt;encryptedKey keyId="…"&gt;&lt;value&gt;base64 ciphertext&lt;/value&gt;&lt;/encryptedKey&gt;</c>, which Data
/// Protection stores inside <c>&lt;encryptedSecret decryptorType="…KmsXmlDecryptor…"&gt;</c>.
/// </summary>
public sealed class KmsXmlEncryptor(IAmazonKeyManagementService kms, KmsDataProtectionOptions options) : IXmlEncryptor
{
    /// <summary>KMS Encrypt takes at most 4096 bytes of plaintext; a key's secret element is a few hundred.</summary>
    public const int MaxPlaintextBytes = 4096;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        if (plaintext.Length > MaxPlaintextBytes)
        {
            throw new InvalidOperationException(
                $"The Data Protection key element is {plaintext.Length} bytes; KMS Encrypt accepts at most {MaxPlaintextBytes}.");
        }

        // Data Protection's encryptor interface is synchronous; keys are encrypted only when one is created (at first
        // start and every 90 days), so blocking here costs one KMS round trip that rarely.
        using var stream = new MemoryStream(plaintext, writable: false);
        var response = kms.EncryptAsync(new EncryptRequest
        {
            KeyId = options.KmsKeyId,
            Plaintext = stream,
            EncryptionContext = options.EncryptionContext(),
        }).GetAwaiter().GetResult();

        var element = new XElement(KmsXmlDecryptor.EncryptedKeyName,
            new XAttribute("keyId", response.KeyId ?? options.KmsKeyId),
            new XComment(" This key is encrypted with AWS KMS under the service's encryption context. "),
            new XElement(KmsXmlDecryptor.ValueName, Convert.ToBase64String(response.CiphertextBlob.ToArray())));
        return new EncryptedXmlInfo(element, typeof(KmsXmlDecryptor));
    }
}

/// <summary>
/// Decrypts what <see cref="KmsXmlEncryptor"/> wrote, with KMS Decrypt under this service's own encryption context (not
/// one read from the stored XML): a ciphertext made for another service fails here, as KMS refuses a context mismatch.
/// Data Protection creates it by type through a constructor taking <see cref="IServiceProvider"/> (its activator's
/// convention), so the KMS client and options come from the service's container.
/// </summary>
public sealed class KmsXmlDecryptor : IXmlDecryptor
{
    internal static readonly XName EncryptedKeyName = "encryptedKey";
    internal static readonly XName ValueName = "value";

    private readonly IAmazonKeyManagementService _kms;
    private readonly KmsDataProtectionOptions _options;

    public KmsXmlDecryptor(IServiceProvider services)
        : this(services.GetRequiredService<IAmazonKeyManagementService>(), services.GetRequiredService<IOptions<KmsDataProtectionOptions>>().Value)
    {
    }

    public KmsXmlDecryptor(IAmazonKeyManagementService kms, KmsDataProtectionOptions options)
    {
        _kms = kms;
        _options = options;
    }

    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        if (encryptedElement.Name != EncryptedKeyName || encryptedElement.Element(ValueName)?.Value is not { Length: > 0 } value)
        {
            throw new InvalidOperationException($"Not a KMS-encrypted Data Protection key: expected <{EncryptedKeyName}> with a <{ValueName}>.");
        }

        // Synchronous for the same reason as the encryptor: the key ring is read at start and refreshed about daily.
        using var ciphertext = new MemoryStream(Convert.FromBase64String(value), writable: false);
        var response = _kms.DecryptAsync(new DecryptRequest
        {
            KeyId = _options.KmsKeyId,
            CiphertextBlob = ciphertext,
            EncryptionContext = _options.EncryptionContext(),
        }).GetAwaiter().GetResult();
        return XElement.Parse(Encoding.UTF8.GetString(response.Plaintext.ToArray()));
    }
}
