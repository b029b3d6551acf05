using System.Text.Json;
using Platform.Media;
using Platform.Web.Features.Media;

namespace Platform.Web.Tests;

/// <summary>The gallery reads the Api's status words as the shared <see cref="MediaStatus"/>.</summary>
public sealed class MediaStatusDisplayTests
{
    [Theory]
    [InlineData(MediaStatus.Pending, "Waiting for upload")]
    [InlineData(MediaStatus.Uploaded, "Queued")]
    [InlineData(MediaStatus.Processing, "Processing…")]
    [InlineData(MediaStatus.Ready, "Ready")]
    [InlineData(MediaStatus.Failed, "Could not be processed")]
    public void Every_status_the_api_sends_has_words_of_its_own(MediaStatus status, string words)
    {
        Assert.Equal(words, MediaStatusWords.Describe(status.ToText()));
    }

    [Fact]
    public void A_status_this_web_does_not_know_is_shown_as_sent_and_is_neither_ready_nor_failed()
    {
        var item = Item("archived");

        Assert.Equal("archived", MediaStatusWords.Describe(item.Status));
        Assert.Null(item.KnownStatus);
        Assert.False(item.IsReady);
        Assert.False(item.IsFailed);
    }

    [Fact]
    public void Ready_and_failed_items_are_recognised_from_the_apis_words()
    {
        Assert.True(Item(MediaStatus.Ready.ToText()).IsReady);
        Assert.True(Item(MediaStatus.Failed.ToText()).IsFailed);
        Assert.False(Item(MediaStatus.Processing.ToText()).IsReady);
    }

    [Fact]
    public void The_scripts_read_the_same_words_and_waiting_statuses_as_the_pages()
    {
        using var json = JsonDocument.Parse(MediaStatusWords.ScriptJson);
        var root = json.RootElement;

        foreach (var status in Enum.GetValues<MediaStatus>())
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(status.ToString());
            Assert.Equal(status.ToText(), root.GetProperty("status").GetProperty(name).GetString());
            Assert.Equal(MediaStatusWords.Describe(status), root.GetProperty("words").GetProperty(status.ToText()).GetString());
        }

        Assert.Equal(["pending", "uploaded", "processing"], root.GetProperty("waiting").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(MediaStatusBatch.MaxIds, root.GetProperty("maxIds").GetInt32());
    }

    private static MediaItem Item(string status) =>
        new(Guid.NewGuid(), "a.png", MediaContentTypes.Png, 10, status, null, null, null, DateTimeOffset.UnixEpoch, null, null, null, null);
}
