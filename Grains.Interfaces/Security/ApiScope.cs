using Mallard.Contract;

namespace Mallard.Security;

/// <summary>
/// What a key may do: <c>ingest:&lt;dataset&gt;</c>, <c>query:&lt;dataset&gt;</c> (<c>*</c> for every
/// dataset) and <c>admin</c> (cluster routes, rebalance and drain, the dashboard, metrics, the
/// status page). Admin grants no data access, and data scopes grant no operator routes.
/// </summary>
public static class ApiScope
{
    public const string Admin = "admin";
    public const string Ingest = "ingest";
    public const string Query = "query";

    /// <summary>Null when <paramref name="scope"/> is well formed, else why not.</summary>
    public static string? Problem(string scope)
    {
        if (scope == Admin)
        {
            return null;
        }

        var colon = scope.IndexOf(':', StringComparison.Ordinal);
        var verb = colon < 0 ? scope : scope[..colon];
        if (verb is not (Ingest or Query) || colon < 0)
        {
            return $"scope '{scope}' is not admin, ingest:<dataset> or query:<dataset>";
        }

        var dataset = scope[(colon + 1)..];
        return dataset == "*" || ContractLoader.IsIdentifier(dataset) ? null : $"scope '{scope}' names no dataset (a contract dataset name or *)";
    }

    /// <summary>True when <paramref name="scopes"/> allow <paramref name="verb"/> on <paramref name="dataset"/>.</summary>
    public static bool Allows(IReadOnlyList<string> scopes, string verb, string dataset)
    {
        foreach (var scope in scopes)
        {
            if (scope.Length == verb.Length + 2 && scope.StartsWith(verb, StringComparison.Ordinal) && scope[verb.Length] == ':' && scope[^1] == '*')
            {
                return true;
            }

            if (scope.Length == verb.Length + 1 + dataset.Length && scope.StartsWith(verb, StringComparison.Ordinal) && scope[verb.Length] == ':'
                && scope.AsSpan(verb.Length + 1).SequenceEqual(dataset))
            {
                return true;
            }
        }

        return false;
    }
}
