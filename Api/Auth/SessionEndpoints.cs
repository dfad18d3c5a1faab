using Mallard.Api.Views;
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

    // Without keys every route answers: there is no one to be.
    private static readonly SessionView OpenSession = new(null, null, ["*"], null, Open: true);

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder routes)
    {
        // The key ring exists only with keys on; asked for by type it would be bound from the body.
        routes.MapPost(Route, (HttpContext http, IServiceProvider services, IOptions<AuthOptions> options, TimeProvider clock) =>
        {
            if (services.GetService<ApiKeyRing>() is not { } keys)
            {
                return Results.Ok(OpenSession);
            }

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
        }).Produces<SessionView>().WithName("createSession").WithTags("auth").WithSummary("Exchange the API key (Bearer) for an HttpOnly session cookie");
        routes.MapGet(Route, (HttpContext http) =>
            http.Features.Get<Caller>() is { } caller ? Results.Ok(Describe(caller, null)) : Results.Ok(OpenSession))
            .Produces<SessionView>().WithName("getSession").WithTags("auth").WithSummary("Who the credentials belong to, and their scopes");
        routes.MapDelete(Route, (HttpContext http) =>
        {
            http.Response.Cookies.Delete(SessionCookie.Name, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/" });
            return Results.NoContent();
        }).Produces(StatusCodes.Status204NoContent).WithName("deleteSession").WithTags("auth").WithSummary("Clear the session cookie");
        return routes;
    }

    private static SessionView Describe(Caller caller, DateTimeOffset? expires) =>
        new(caller.Name, caller.KeyId, [.. caller.Scopes], expires, Open: false);
}
