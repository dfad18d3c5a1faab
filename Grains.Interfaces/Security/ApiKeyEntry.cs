using System.Text.Json.Serialization;

namespace Mallard.Security;

/// <summary>
/// One API key as the keys file stores it: never the key itself, only a salted SHA-256 of its
/// secret. A revoked key stays listed (with when) so an audit can still name it.
/// </summary>
public sealed record ApiKeyEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string> Scopes,
    [property: JsonPropertyName("salt")] string Salt,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("revoked")] DateTimeOffset? Revoked = null);
