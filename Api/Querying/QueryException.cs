namespace Mallard.Api.Querying;

/// <summary>A query the gateway refuses (400); the message says why.</summary>
public sealed class QueryException(string message) : Exception(message);
