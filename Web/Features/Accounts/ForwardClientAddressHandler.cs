namespace Platform.Web.Features.Accounts;

/// <summary>
/// Tells the Api whose sign-in, registration or refresh this is: the browser's address (as Web's own forwarded-headers
/// handling found it) in X-Forwarded-For. The Api counts attempts per client address and trusts this header only from
/// its known proxies (Web is one); without it every browser would share Web's address, and one guesser would throttle
/// everybody's sign-in.
/// </summary>
public sealed class ForwardClientAddressHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext?.Connection.RemoteIpAddress is { } address)
        {
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}
