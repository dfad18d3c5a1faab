using Mallard.Partitions;

namespace Mallard.Api.Auth;

/// <summary>
/// Authenticates every request but the probes, before admission and before any body is read: a
/// Bearer API key, or a session cookie a key was exchanged for. No credential, or an unknown,
/// revoked or expired one: 401 with <c>WWW-Authenticate</c>; a valid key outside its scope: 403.
/// The key itself is never logged; the caller's key id and name are what logs and limits see.
/// </summary>
public sealed class AuthMiddleware(RequestDelegate next, ApiKeyRing keys, GatewayMetrics metrics, TimeProvider clock)
{
    private const string Challenge = "Bearer realm=\"mallard\"";

    public async Task InvokeAsync(HttpContext http)
    {
        var required = RequiredAccess.For(http.Request.Method, http.Request.Path);
        if (required.Needs == RequiredAccess.Level.Open)
        {
            await next(http);
            return;
        }

        var (caller, presented) = Authenticate(http);
        if (caller is null)
        {
            metrics.AuthRefused(presented ? "invalid" : "missing");
            http.Response.Headers.WWWAuthenticate = presented ? $"{Challenge}, error=\"invalid_token\"" : Challenge;
            await Problems.Create(
                ErrorCodes.Unauthorized,
                presented ? "the API key or session is not valid (unknown, revoked, expired or malformed)" : "this route needs an API key: Authorization: Bearer mk_…").ExecuteAsync(http);
            return;
        }

        if (!required.AllowedFor(caller))
        {
            metrics.AuthRefused("forbidden");
            await Problems.Create(ErrorCodes.Forbidden, $"key '{caller.Name}' ({caller.KeyId}) lacks the scope {required.Describe()}").ExecuteAsync(http);
            return;
        }

        http.Features.Set(caller);
        await next(http);
    }

    private (Caller? Caller, bool Presented) Authenticate(HttpContext http)
    {
        var file = keys.Current;
        if (http.Request.Headers.Authorization.FirstOrDefault() is { } authorization)
        {
            var value = authorization.AsSpan().Trim();
            return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && file.Verify(value[7..].Trim()) is { } key
                ? (Caller.Of(key), true)
                : (null, true);
        }

        if (http.Request.Cookies[SessionCookie.Name] is { } session)
        {
            return SessionCookie.Verify(file, session, clock.GetUtcNow()) is { } key ? (Caller.Of(key), true) : (null, true);
        }

        return (null, false);
    }
}
