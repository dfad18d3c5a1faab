using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Mallard.Api.Console;

/// <summary>
/// <c>GET /ui</c>: the web console, built from <c>web/console</c> into <c>web/dist</c> and embedded
/// in this assembly, so every host (run.sh, tests, the container image) serves the same bytes with
/// no Node.js at run time. The page may talk only to this gateway: its Content-Security-Policy
/// forbids any other origin, for scripts, styles, fonts, images and requests alike.
/// </summary>
public static class ConsoleAssets
{
    public const string Route = "/ui";

    private const string ResourcePrefix = "ui/";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>Whether the console was built into this assembly (a checkout without web/dist has none).</summary>
    public static bool Available => Assets.ContainsKey("index.html");

    /// <summary>Maps <c>/ui</c>, <c>/ui/</c> and <c>/ui/{asset}</c>.</summary>
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Route, (HttpContext http) => Serve(http, "index.html")).ExcludeFromDescription();
        routes.MapGet(Route + "/{**path}", (string? path, HttpContext http) => Serve(http, string.IsNullOrEmpty(path) ? "index.html" : path)).ExcludeFromDescription();
        return routes;
    }

    private static IResult Serve(HttpContext http, string path)
    {
        if (!Assets.TryGetValue(path, out var asset))
        {
            return path == "index.html"
                ? Results.Text("The web console was not built into this gateway: run `npm run build` in web/.", "text/plain", statusCode: StatusCodes.Status404NotFound)
                : Results.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Vite names assets by content hash: they never change. The page itself is revalidated.
        headers.CacheControl = path.StartsWith("assets/", StringComparison.Ordinal) ? "public, max-age=31536000, immutable" : "no-cache";
        headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var bytes = memory.ToArray();
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            assets[path] = new Asset(bytes, ContentTypeOf(path), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
