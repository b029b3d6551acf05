using System.Net.Http.Json;

namespace Platform.Web.Features.Media;

/// <summary>The Api's media endpoints, called on behalf of the signed-in user (see ApiAccessTokenHandler).</summary>
public sealed class MediaApiClient(HttpClient http)
{
    public async Task<ApiResult<MediaPage>> ListAsync(int page, int pageSize, CancellationToken ct) =>
        await ReadAsync<MediaPage>(await http.GetAsync($"/api/media?page={page}&pageSize={pageSize}", ct), ct);

    public async Task<ApiResult<MediaItem>> GetAsync(Guid id, CancellationToken ct) =>
        await ReadAsync<MediaItem>(await http.GetAsync($"/api/media/{id}", ct), ct);

    /// <summary>The status of each of <paramref name="ids"/> that is the user's, in one call (at most <see cref="Platform.Media.MediaStatusBatch.MaxIds"/>).</summary>
    public async Task<ApiResult<MediaStatuses>> StatusesAsync(IEnumerable<Guid> ids, CancellationToken ct) =>
        await ReadAsync<MediaStatuses>(await http.GetAsync($"/api/media/status?ids={string.Join(',', ids)}", ct), ct);

    public async Task<ApiResult<UploadTicket>> CreateUploadAsync(UploadRequest request, CancellationToken ct) =>
        await ReadAsync<UploadTicket>(await http.PostAsJsonAsync("/api/media", request, ct), ct);

    /// <summary>Reports an upload done; <paramref name="parts"/> is the part list of a multipart upload, null for a single PUT.</summary>
    public async Task<ApiResult<bool>> CompleteUploadAsync(Guid id, IReadOnlyList<CompletedPart?>? parts, CancellationToken ct) =>
        await SucceedsAsync(parts is null
            ? await http.PostAsync($"/api/media/{id}/complete", content: null, ct)
            : await http.PostAsJsonAsync($"/api/media/{id}/complete", new CompleteUploadRequest(parts), ct), ct);

    public async Task<ApiResult<bool>> DeleteAsync(Guid id, CancellationToken ct) =>
        await SucceedsAsync(await http.DeleteAsync($"/api/media/{id}", ct), ct);

    private static async Task<ApiResult<T>> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            return response.IsSuccessStatusCode
                ? ApiResult<T>.Success((await response.Content.ReadFromJsonAsync<T>(ct))!)
                : await ApiResult<T>.FailureAsync(response, ct);
        }
    }

    private static async Task<ApiResult<bool>> SucceedsAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            return response.IsSuccessStatusCode ? ApiResult<bool>.Success(true) : await ApiResult<bool>.FailureAsync(response, ct);
        }
    }
}
