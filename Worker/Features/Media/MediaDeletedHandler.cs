using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using Platform.Messaging;
using Platform.Worker.Messaging;

namespace Platform.Worker.Features.Media;

/// <summary>
/// <c>media.deleted.v1</c>: the Api deleted an item's row but could not remove its objects. Removing them again is
/// harmless, and a failure leaves the message for SQS to redeliver.
/// </summary>
public sealed class MediaDeletedHandler(IAmazonS3 s3, IOptions<S3BucketSettings> bucket) : IMessageHandler
{
    public string MessageType => MessageTypes.MediaDeleted;

    public async Task HandleAsync(Message message, CancellationToken cancellationToken)
    {
        var body = QueueMessages.Deserialize<MediaDeletedMessage>(message)
            ?? throw new InvalidMessageException("The media.deleted message has no body.");
        await Task.WhenAll(body.ObjectKeys
            .Where(key => MediaObjectKeys.BelongsTo(key, body.OwnerId, body.MediaId)) // only the item's own objects, whatever the body says
            .Select(key => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.Value.BucketName, Key = key }, cancellationToken)));
    }
}
