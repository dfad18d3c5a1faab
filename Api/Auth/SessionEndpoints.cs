using Microsoft.Extensions.Options;

namespace Mallard.Api.Auth;

/// <summary>
/// Browsers cannot send a Bearer header on every request (the dashboard, the console), so a key
/// is exchanged for an HttpOnly, SameSite=Strict session cookie with the key's scopes:
/// <c>POST /v1/auth/session</c> with the key as Bearer sets it, <c>GET</c> says who the
/// credentials belong to, <c>DELETE</c> clears it.
/// </summary>
public static class SessionEndpoints
{
    public const string Route = "/v1/auth/session";

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Route, (HttpContext http, ApiKeyRing keys, IOptions<AuthOptions> options, TimeProvider clock) =>
        {
            // Only a key makes a session: a session cannot extend itself.
            if (http.Features.Get<Caller>() is not { } caller || http.Request.Headers.Authorization.Count == 0)
            {
                return Problems.Create(Partitions.ErrorCodes.Unauthorized, "exchange an API key for a session: POST with Authorization: Bearer mk_…");
            }

            var file = keys.Current;
            var key = file.Find(caller.KeyId)!;
            var expires = clock.GetUtcNow() + options.Value.SessionLifetime;
            http.Response.Cookies.Append(SessionCookie.Name, SessionCookie.Issue(file, key, expires), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = "/",
                Expires = expires,
                IsEssential = true,
            });
            return Results.Ok(Describe(caller, expires));
        });
        routes.MapGet(Route, (HttpContext http) =>
            http.Features.Get<Caller>() is { } caller ? Results.Ok(Describe(caller, null)) : Results.Ok(new { name = (string?)null, keyId = (string?)null, scopes = new[] { "*" }, open = true }));
        routes.MapDelete(Route, (HttpContext http) =>
        {
            http.Response.Cookies.Delete(SessionCookie.Name, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/" });
            return Results.NoContent();
        });
        return routes;
    }

    private static object Describe(Caller caller, DateTimeOffset? expires) =>
        new { name = caller.Name, keyId = caller.KeyId, scopes = caller.Scopes, expires, open = false };
}
