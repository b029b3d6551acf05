using System.Diagnostics;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.Messaging;

/// <summary>
/// The contract between the services that talk through SQS: the body is JSON of a versioned message type named in the
/// <c>type</c> attribute, and the W3C trace context travels as the <c>traceparent</c>/<c>tracestate</c> attributes so
/// one trace spans sender → queue → receiver.
/// </summary>
public static class QueueMessages
{
    public const string TypeAttribute = "type";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every attribute a receiver must ask SQS for.</summary>
    public static readonly List<string> AttributeNames = [TypeAttribute, "traceparent", "tracestate"];

    /// <summary>
    /// Sends a body that is already JSON. The message continues the trace of <paramref name="parent"/> (one stored with
    /// the message, e.g. by an outbox), or of the current activity when none is given.
    /// </summary>
    public static async Task<string> SendJsonAsync(this IAmazonSQS sqs, string queueUrl, string type, string json, ActivityContext parent, CancellationToken cancellationToken)
    {
        using var activity = PlatformTelemetry.ActivitySource.StartActivity($"{QueueName(queueUrl)} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "aws_sqs");
        activity?.SetTag("messaging.destination.name", QueueName(queueUrl));
        activity?.SetTag("messaging.message.type", type);

        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            [TypeAttribute] = new() { DataType = "String", StringValue = type },
        };
        DistributedContextPropagator.Current.Inject(activity ?? Activity.Current, attributes, static (carrier, key, value) =>
        {
            if (carrier is Dictionary<string, MessageAttributeValue> map)
            {
                map[key] = new MessageAttributeValue { DataType = "String", StringValue = value };
            }
        });

        var response = await sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = queueUrl,
            MessageBody = json,
            MessageAttributes = attributes,
        }, cancellationToken);
        activity?.SetTag("messaging.message.id", response.MessageId);
        return response.MessageId;
    }

    /// <summary>The message's type attribute, or null when it has none.</summary>
    public static string? TypeOf(Message message) =>
        message.MessageAttributes is { } attributes && attributes.TryGetValue(TypeAttribute, out var value) ? value.StringValue : null;

    /// <summary>Starts the receiver's span as a child of the sender's, from the trace context the message carries.</summary>
    public static Activity? StartProcessActivity(Message message, string queueUrl)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(message.MessageAttributes, static (carrier, key, out value, out values) =>
        {
            values = null;
            value = carrier is Dictionary<string, MessageAttributeValue> map && map.TryGetValue(key, out var attribute) ? attribute.StringValue : null;
        }, out var traceParent, out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);

        var activity = PlatformTelemetry.ActivitySource.StartActivity($"{QueueName(queueUrl)} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "aws_sqs");
        activity?.SetTag("messaging.destination.name", QueueName(queueUrl));
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("messaging.message.type", TypeOf(message));
        return activity;
    }

    public static T? Deserialize<T>(Message message) => JsonSerializer.Deserialize<T>(message.Body, Json);

    private static string QueueName(string queueUrl) => queueUrl[(queueUrl.LastIndexOf('/') + 1)..];
}

/// <summary>Message types and their bodies. A breaking change gets a new version suffix; receivers handle both for a while.</summary>
public static class MessageTypes
{
    /// <summary>A round trip through the queue: proves the Api → SQS → Worker path end to end.</summary>
    public const string Ping = "platform.ping.v1";

    /// <summary>The bytes of a media item are in the bucket: the Worker makes its thumbnails and reads its metadata.</summary>
    public const string MediaUploaded = "media.uploaded.v1";

    /// <summary>A media item's row is gone but removing its objects failed: the Worker removes them, with SQS's retries.</summary>
    public const string MediaDeleted = "media.deleted.v1";
}

/// <summary>Body of <see cref="MessageTypes.Ping"/>.</summary>
public sealed record PingMessage(Guid PingId, DateTimeOffset SentAt);

/// <summary>
/// Body of <see cref="MessageTypes.MediaUploaded"/>. It carries only identifiers: the Worker reads the item's current
/// state from the database, so a late or repeated message can never roll an item back.
/// </summary>
public sealed record MediaUploadedMessage(Guid MediaId, Guid OwnerId, DateTimeOffset UploadedAt);

/// <summary>Body of <see cref="MessageTypes.MediaDeleted"/>: the object keys still to remove.</summary>
public sealed record MediaDeletedMessage(Guid MediaId, Guid OwnerId, IReadOnlyList<string> ObjectKeys);

/// <summary>
/// Where a media item's objects live in the bucket. Keys are chosen by the server from the owner's and the item's ids
/// and never contain anything the client sent, so a file name can neither collide with nor overwrite another object.
/// </summary>
public static class MediaObjectKeys
{
    public const int SmallThumbnailSize = 320;
    public const int LargeThumbnailSize = 1280;

    public static string Prefix(Guid ownerId, Guid mediaId) => $"media/{ownerId:N}/{mediaId:N}/";

    public static string Original(Guid ownerId, Guid mediaId) => Prefix(ownerId, mediaId) + "original";

    public static string Thumbnail(Guid ownerId, Guid mediaId, int size) => Prefix(ownerId, mediaId) + $"thumb-{size}.webp";

    /// <summary>Where every upload key starts: the bucket's lifecycle expires what is left under it.</summary>
    public const string UploadPrefix = "uploads/";

    /// <summary>
    /// Where the client's upload URL points (a single PUT or the parts of a multipart upload). Completing the upload
    /// copies the verified bytes to <see cref="Original"/>, which no upload URL can reach.
    /// </summary>
    public static string Upload(Guid ownerId, Guid mediaId) => $"{UploadPrefix}{ownerId:N}/{mediaId:N}";

    /// <summary>Every object an item can have: the original, both thumbnails and what an upload left behind.</summary>
    public static IReadOnlyList<string> All(Guid ownerId, Guid mediaId) =>
    [
        Original(ownerId, mediaId),
        Thumbnail(ownerId, mediaId, SmallThumbnailSize),
        Thumbnail(ownerId, mediaId, LargeThumbnailSize),
        Upload(ownerId, mediaId),
    ];

    /// <summary>Whether <paramref name="key"/> is one of the item's own objects (under its prefix, or its upload key).</summary>
    public static bool BelongsTo(string key, Guid ownerId, Guid mediaId) =>
        key.StartsWith(Prefix(ownerId, mediaId), StringComparison.Ordinal) || key == Upload(ownerId, mediaId);
}
