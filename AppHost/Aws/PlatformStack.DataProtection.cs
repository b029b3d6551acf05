using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;

namespace Platform.AppHost.Aws;

/// <summary>
/// The KMS key that encrypts the services' Data Protection key rings (ServiceDefaults' KmsXmlEncryptor), and the grant
/// that lets a service use it for its own ring only.
/// </summary>
public sealed partial class PlatformStack
{
    /// <summary>The encryption context key naming the service (ServiceDefaults' <c>KmsDataProtectionOptions</c>).</summary>
    public const string KeyRingServiceContextKey = "platform:service";

    /// <summary>The encryption context key naming the use; its only accepted value is <see cref="KeyRingPurpose"/>.</summary>
    public const string KeyRingPurposeContextKey = "purpose";

    public const string KeyRingPurpose = "data-protection";

    private Key? _keyRingKey;

    /// <summary>
    /// A key of its own rather than the data key: the data key's grants for S3 and SQS (kms:Decrypt without an
    /// encryption-context condition) would let any service with a bucket grant call Decrypt under another service's
    /// context and read its ring. This key is used by nothing else, so the context-bound grants below are all there is.
    /// Created with the first service that keeps a ring (one key costs a dollar a month).
    /// </summary>
    public IKey KeyRingKey => _keyRingKey ??= CreateKeyRingKey();

    private Key CreateKeyRingKey()
    {
        var key = new Key(this, "DataProtectionKey", new KeyProps
        {
            Description = $"Platform {Settings.StageName}: encrypts the services' Data Protection key rings, each under its service's encryption context.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(Profile.KeyPendingWindowDays),
            RemovalPolicy = DataRemovalPolicy,
        });
        // Whatever an identity policy says (an administrator's kms:* included), the key encrypts and decrypts only key
        // rings: a call without the data-protection purpose in its context is refused.
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OnlyDataProtectionKeyRings",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringNotEquals"] = new Dictionary<string, object> { [$"kms:EncryptionContext:{KeyRingPurposeContextKey}"] = KeyRingPurpose },
            },
        }));
        AllowGrantsOnlyForAwsResources(key);
        return key;
    }

    /// <summary>
    /// Lets <paramref name="role"/> encrypt and decrypt with the key-ring key only under <paramref name="service"/>'s own
    /// encryption context, and with no other context keys: the Api's role cannot decrypt the Web's ring.
    /// </summary>
    public void GrantKeyRing(IRole role, string service) =>
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["kms:Encrypt", "kms:Decrypt"],
            Resources = [KeyRingKey.KeyArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    [$"kms:EncryptionContext:{KeyRingServiceContextKey}"] = service,
                    [$"kms:EncryptionContext:{KeyRingPurposeContextKey}"] = KeyRingPurpose,
                },
                ["ForAllValues:StringEquals"] = new Dictionary<string, object>
                {
                    ["kms:EncryptionContextKeys"] = new[] { KeyRingServiceContextKey, KeyRingPurposeContextKey },
                },
            },
        }));
}
