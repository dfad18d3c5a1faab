using Mallard.Security;

namespace Mallard.Api.Auth;

/// <summary>
/// What a request needs, decided from its method and path alone, in one table, before any
/// endpoint runs: probes are open, data routes need the dataset's scope, operator routes need
/// admin, and anything else needs some valid key (an unknown path answers 401 before 404, so
/// routes cannot be probed without a key).
/// </summary>
public sealed record RequiredAccess(RequiredAccess.Level Needs, string? Verb = null, string? Dataset = null)
{
    public enum Level
    {
        Open,
        AnyKey,
        Admin,
        Dataset,
    }

    public static readonly RequiredAccess Open = new(Level.Open);
    public static readonly RequiredAccess AnyKey = new(Level.AnyKey);
    public static readonly RequiredAccess Admin = new(Level.Admin);

    public static RequiredAccess For(string method, PathString path)
    {
        var value = path.Value ?? "/";
        if (value is "/healthz" or "/readyz" || (value == SessionEndpoints.Route && HttpMethods.IsDelete(method)))
        {
            return Open;
        }

        // The console and the API's description hold no data: a browser loads them, then signs in.
        if (HttpMethods.IsGet(method) && (path.StartsWithSegments("/ui") || value == OpenApi.OpenApiSetup.DocumentRoute || path.StartsWithSegments(OpenApi.OpenApiSetup.ReferenceRoute)))
        {
            return Open;
        }

        if (value == "/" || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/dashboard") || path.StartsWithSegments("/v1/cluster"))
        {
            return Admin;
        }

        // /v1/datasets/{dataset}[/records|/query]
        var segments = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments is ["v1", "datasets", var dataset, ..])
        {
            return segments switch
            {
                [_, _, _, "records"] when HttpMethods.IsPost(method) => new(Level.Dataset, ApiScope.Ingest, dataset),
                [_, _, _, "query"] when HttpMethods.IsPost(method) => new(Level.Dataset, ApiScope.Query, dataset),
                [_, _, _, "ingest-rate"] when HttpMethods.IsGet(method) => new(Level.Dataset, null, dataset),
                [_, _, _] => new(Level.Dataset, null, dataset),
                _ => AnyKey,
            };
        }

        return AnyKey;
    }

    /// <summary>True when <paramref name="caller"/> may make the request.</summary>
    public bool AllowedFor(Caller caller) => Needs switch
    {
        Level.Open or Level.AnyKey => true,
        Level.Admin => caller.IsAdmin,
        _ when Verb is null => caller.IsAdmin || ApiScope.Allows(caller.Scopes, ApiScope.Ingest, Dataset!) || ApiScope.Allows(caller.Scopes, ApiScope.Query, Dataset!),
        _ => ApiScope.Allows(caller.Scopes, Verb, Dataset!),
    };

    /// <summary>The scope the request lacks, for the 403's detail.</summary>
    public string Describe() => Needs switch
    {
        Level.Admin => "admin",
        Level.Dataset when Verb is null => $"ingest:{Dataset} or query:{Dataset}",
        Level.Dataset => $"{Verb}:{Dataset}",
        _ => "a valid key",
    };
}
