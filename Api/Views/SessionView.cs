namespace Mallard.Api.Views;

/// <summary>Who the request's credentials belong to (<c>/v1/auth/session</c>).</summary>
/// <param name="Name">The key's name; null when the gateway runs without keys.</param>
/// <param name="KeyId">The key's id; null when the gateway runs without keys.</param>
/// <param name="Scopes">The key's scopes (admin, ingest:DATASET, query:DATASET, with * for every dataset).</param>
/// <param name="Expires">When the session cookie expires (only when one was just issued).</param>
/// <param name="Open">True when the gateway runs without keys (every route answers).</param>
public sealed record SessionView(string? Name, string? KeyId, string[] Scopes, DateTimeOffset? Expires, bool Open);
