using Mallard.Security;

namespace Mallard.Api.Auth;

/// <summary>Who is calling: the key (by id and name) and its scopes; set by <see cref="AuthMiddleware"/>.</summary>
public sealed record Caller(string KeyId, string Name, IReadOnlyList<string> Scopes)
{
    public static Caller Of(ApiKeyEntry key) => new(key.Id, key.Name, key.Scopes);

    public bool IsAdmin => Scopes.Contains(ApiScope.Admin, StringComparer.Ordinal);
}
