namespace Platform.Media;

/// <summary>Size limits of media, shared by the Api (which accepts uploads) and the Worker (which downloads them).</summary>
public static class MediaLimits
{
    /// <summary>
    /// The upload limit, one key for both services: the AppHost passes it to each (<c>Media__MaxUploadBytes</c>); the
    /// Api refuses larger declarations, the Worker larger downloads.
    /// </summary>
    public const string MaxUploadBytesKey = "Media:MaxUploadBytes";

    /// <summary>The upload limit of a service started without <see cref="MaxUploadBytesKey"/> (100 MB).</summary>
    public const long DefaultMaxUploadBytes = 100L * 1024 * 1024;

    /// <summary>S3's largest single PUT, and so also its largest part: the highest upload limit that can be set.</summary>
    public const long MaxSinglePutBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>How many parts a file of <paramref name="size"/> bytes has when sent in parts of <paramref name="partSize"/>.</summary>
    public static int PartCount(long size, long partSize) => (int)((size + partSize - 1) / partSize);
}
