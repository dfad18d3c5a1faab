namespace Mallard.Api.Admission;

/// <summary>
/// A request body read whole by <see cref="AdmissionMiddleware"/> before the request took its
/// processing slot. <see cref="Bytes"/> is null when the body is larger than the route allows.
/// </summary>
public sealed record BufferedBody(ReadOnlyMemory<byte>? Bytes)
{
    /// <summary>The body the middleware read for this request.</summary>
    /// <exception cref="InvalidOperationException">The route has no <see cref="BufferedBodyLimit"/>.</exception>
    public static BufferedBody Of(HttpContext http) =>
        http.Features.Get<BufferedBody>() ?? throw new InvalidOperationException($"{http.Request.Path} is not marked with {nameof(BufferedBodyLimit)}");
}
