using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.DataProtection;
using StackExchange.Redis;

namespace Platform.Api.Tests.DataProtection;

/// <summary>
/// The key ring as AWS stores it: every key encrypted by KMS under its service's encryption context, readable again by
/// that service, by no other service, and never in plain text in the repository (Redis in the deployed stack).
/// </summary>
public sealed class KmsDataProtectionTests
{
    private const string KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public void A_key_encrypted_by_KMS_round_trips_and_unprotects_in_a_fresh_process()
    {
        var kms = FakeKms.Create();
        var ring = new MemoryXmlRepository();

        var token = Protector(Service("api", kms, ring)).Protect("a bearer token's payload");

        // A new provider over the same stored ring: it must read and decrypt the key from XML, not reuse a cached one.
        Assert.Equal("a bearer token's payload", Protector(Service("api", kms, ring)).Unprotect(token));
        Assert.Equal(1, FakeKms.Of(kms).Encrypts);
        Assert.True(FakeKms.Of(kms).Decrypts >= 1);
    }

    [Fact]
    public void The_stored_ring_holds_only_KMS_ciphertext_and_names_the_KMS_decryptor()
    {
        var kms = FakeKms.Create();
        var ring = new MemoryXmlRepository();
        Protector(Service("api", kms, ring)).Protect("payload");

        var stored = Assert.Single(ring.GetAllElements());
        var xml = stored.ToString();
        Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        var encryptedSecret = Assert.Single(stored.Descendants(), e => e.Name.LocalName == "encryptedSecret");
        Assert.Contains(typeof(KmsXmlDecryptor).FullName!, (string?)encryptedSecret.Attribute("decryptorType"), StringComparison.Ordinal);
        var encryptedKey = Assert.Single(encryptedSecret.Elements("encryptedKey"));
        Assert.Equal(KeyArn, (string?)encryptedKey.Attribute("keyId"));
        var ciphertext = Convert.FromBase64String(encryptedKey.Element("value")!.Value);
        // The master key's bytes appear nowhere: the ciphertext is not the key element in another encoding.
        Assert.DoesNotContain("masterKey", Encoding.UTF8.GetString(ciphertext), StringComparison.Ordinal);
        // What KMS is asked to encrypt is the key's secret element, well inside Encrypt's 4 KiB plaintext limit.
        Assert.Contains("<masterKey", FakeKms.Of(kms).LastPlaintext, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(FakeKms.Of(kms).LastPlaintext!), 1, 1024);
    }

    [Fact]
    public void Another_services_decryptor_cannot_read_the_ring_even_with_the_same_KMS_key()
    {
        var kms = FakeKms.Create();
        var ring = new MemoryXmlRepository();
        var token = Protector(Service("api", kms, ring)).Protect("payload");
        var encryptedKey = ring.GetAllElements().Single().Descendants("encryptedKey").Single();

        // The Web's process given the Api's ring (say, through a copy of Redis): KMS refuses the Web's context.
        var web = Protector(Service("web", kms, ring));
        Assert.ThrowsAny<CryptographicException>(() => web.Unprotect(token));

        var decryptor = new KmsXmlDecryptor(kms, new KmsDataProtectionOptions { KmsKeyId = KeyArn, KmsService = "web" });
        Assert.Throws<InvalidCiphertextException>(() => decryptor.Decrypt(encryptedKey));
    }

    [Fact]
    public void Every_KMS_call_carries_the_services_encryption_context()
    {
        var kms = FakeKms.Create();
        var ring = new MemoryXmlRepository();
        var token = Protector(Service("web", kms, ring)).Protect("payload");
        Protector(Service("web", kms, ring)).Unprotect(token);

        Assert.All(FakeKms.Of(kms).Contexts, context => Assert.Equal(
            new Dictionary<string, string> { ["platform:service"] = "web", ["purpose"] = "data-protection" }, context));
    }

    [Theory]
    [InlineData(null, "DataProtection:KmsService")]
    [InlineData("Api Service", "must be a service name")]
    public async Task A_KMS_key_without_a_valid_service_name_stops_the_start(string? service, string message)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataProtection:KmsKeyId"] = KeyArn,
            ["DataProtection:KmsService"] = service,
            ["AWS:Region"] = "eu-west-1",
        });
        builder.AddPlatformDataProtection("platform-test", "platform:test:data-protection-keys");
        // Redis is never reached: validation stops the start before Data Protection reads its ring.
        builder.Services.AddSingleton(DispatchProxy.Create<IConnectionMultiplexer, Unreachable>());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_and_a_KMS_key_together_are_refused()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataProtection:KmsKeyId"] = KeyArn,
            ["DataProtection:KmsService"] = "api",
            ["DataProtection:CertificatePath"] = "api.pfx",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPlatformDataProtection("platform-test", "platform:test:data-protection-keys"));
        Assert.Contains("set only one", error.Message, StringComparison.Ordinal);
    }

    private static IDataProtector Protector(ServiceProvider services) => services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests");

    /// <summary>A service's Data Protection as <c>AddPlatformDataProtection</c> configures it in AWS, over an in-memory ring.</summary>
    private static ServiceProvider Service(string name, IAmazonKeyManagementService kms, IXmlRepository ring)
    {
        var services = new ServiceCollection();
        services.AddSingleton(kms);
        services.AddOptions<KmsDataProtectionOptions>().Configure(o => (o.KmsKeyId, o.KmsService) = (KeyArn, name));
        services.AddDataProtection().SetApplicationName($"platform-{name}");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<KmsDataProtectionOptions>>((options, kmsOptions) =>
        {
            options.XmlRepository = ring;
            options.XmlEncryptor = new KmsXmlEncryptor(kms, kmsOptions.Value);
        });
        return services.BuildServiceProvider();
    }

    public class Unreachable : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new InvalidOperationException($"Not expected to be called: {targetMethod?.Name}.");
    }

    private sealed class MemoryXmlRepository : IXmlRepository
    {
        private readonly List<XElement> _elements = [];

        public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements.Select(e => new XElement(e))];

        public void StoreElement(XElement element, string friendlyName) => _elements.Add(new XElement(element));
    }

    /// <summary>
    /// KMS in memory: the ciphertext is the plaintext XOR a stream derived from the key and the encryption context, after
    /// a tag of both; Decrypt refuses (as KMS does, with InvalidCiphertextException) a context that differs from Encrypt's.
    /// Only Encrypt and Decrypt exist; any other call fails the test.
    /// </summary>
    public class FakeKms : DispatchProxy
    {
        public int Encrypts { get; private set; }

        public int Decrypts { get; private set; }

        public string? LastPlaintext { get; private set; }

        public List<Dictionary<string, string>> Contexts { get; } = [];

        public static IAmazonKeyManagementService Create() => Create<IAmazonKeyManagementService, FakeKms>();

        public static FakeKms Of(IAmazonKeyManagementService kms) => (FakeKms)(object)kms;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IAmazonKeyManagementService.EncryptAsync) => Task.FromResult(Encrypt((EncryptRequest)args![0]!)),
            nameof(IAmazonKeyManagementService.DecryptAsync) => Task.FromResult(Decrypt((DecryptRequest)args![0]!)),
            _ => throw new NotSupportedException($"The fake KMS has no {targetMethod?.Name}."),
        };

        private EncryptResponse Encrypt(EncryptRequest request)
        {
            Encrypts++;
            Contexts.Add(request.EncryptionContext);
            var plaintext = request.Plaintext.ToArray();
            LastPlaintext = Encoding.UTF8.GetString(plaintext);
            var ciphertext = Tag(request.KeyId, request.EncryptionContext).Concat(Transform(plaintext, request.KeyId, request.EncryptionContext)).ToArray();
            return new EncryptResponse { KeyId = request.KeyId, CiphertextBlob = new MemoryStream(ciphertext) };
        }

        private DecryptResponse Decrypt(DecryptRequest request)
        {
            Decrypts++;
            Contexts.Add(request.EncryptionContext);
            var ciphertext = request.CiphertextBlob.ToArray();
            var tag = Tag(request.KeyId, request.EncryptionContext);
            if (ciphertext.Length < tag.Length || !CryptographicOperations.FixedTimeEquals(ciphertext.AsSpan(0, tag.Length), tag))
            {
                throw new InvalidCiphertextException("The ciphertext does not match this key and encryption context.");
            }

            return new DecryptResponse { KeyId = request.KeyId, Plaintext = new MemoryStream(Transform(ciphertext[tag.Length..], request.KeyId, request.EncryptionContext)) };
        }

        private static byte[] Tag(string keyId, Dictionary<string, string> context) =>
            SHA256.HashData(Encoding.UTF8.GetBytes("tag|" + keyId + "|" + string.Join(";", context.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))));

        private static byte[] Transform(byte[] data, string keyId, Dictionary<string, string> context)
        {
            var stream = new byte[data.Length];
            var seed = Tag("stream|" + keyId, context);
            for (var block = 0; block * 32 < data.Length; block++)
            {
                var bytes = SHA256.HashData([.. seed, .. BitConverter.GetBytes(block)]);
                bytes.AsSpan(0, Math.Min(32, data.Length - (block * 32))).CopyTo(stream.AsSpan(block * 32));
            }

            return [.. data.Zip(stream, (d, s) => (byte)(d ^ s))];
        }
    }
}
