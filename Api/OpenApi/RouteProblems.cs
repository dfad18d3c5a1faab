using Mallard.Partitions;
using E = Mallard.Partitions.ErrorCodes;

namespace Mallard.Api.OpenApi;

/// <summary>
/// Which problem codes each route can answer with, for the document's error responses. Statuses,
/// titles and retryability come from the <see cref="ErrorCatalog"/>; a test checks every code here
/// is catalogued.
/// </summary>
public static class RouteProblems
{
    // Every route but the open ones can be refused by the key check.
    private static readonly string[] Auth = [E.Unauthorized, E.Forbidden];

    private static readonly string[] Admission = [E.GatewayOverloaded, E.ClientConcurrencyExceeded];

    private static readonly string[] ShardRefusals = [E.ContractMismatch, E.ShardDrift, E.MigrationFailed, E.ContractBreaking, E.ShardIdentityMismatch, E.DuplicateKeys];

    private static readonly Dictionary<(string Method, string Route), string[]> ByRoute = new()
    {
        [("POST", "/v1/datasets/{dataset}/records")] =
        [
            .. Auth, .. Admission, E.UnknownDataset, E.UnsupportedMediaType, E.UnsupportedContentEncoding, E.BodyTooLarge, E.BodyTooSlow,
            E.TooManyRecords, E.MalformedBody, E.InvalidRecords, E.BadIdempotencyKey, E.IdempotencyKeyInFlight, E.IdempotencyKeyReused,
            E.PartitionOverloaded, E.ShardMemoryExhausted, E.ShardWriteFailed, E.PartitionUnavailable, E.PartitionMoving, E.LeaseUnavailable,
            E.PartitionsFailed, E.ClusterUnavailable, .. ShardRefusals,
        ],
        [("POST", "/v1/datasets/{dataset}/query")] =
        [
            .. Auth, .. Admission, E.UnknownDataset, E.UnsupportedContentEncoding, E.BodyTooLarge, E.BodyTooSlow, E.BadQuery, E.QueryTimeout, E.SumOverflow,
            E.TooManyGroups, E.QueryTooLarge, E.QueryPreempted, E.PartitionUnavailable, E.PartitionsUnavailable, .. ShardRefusals,
        ],
        [("GET", "/v1/datasets/{dataset}")] = [.. Auth, E.UnknownDataset, E.PartitionsUnavailable],
        [("GET", "/v1/datasets/{dataset}/ingest-rate")] = [.. Auth, E.UnknownDataset, E.BadQuery],
        [("POST", "/v1/cluster/rebalance")] = [.. Auth, E.NotClustered, E.ClusterUnavailable],
        [("POST", "/v1/cluster/drain")] = [.. Auth, E.BadQuery, E.NotClustered, E.DrainRefused, E.ClusterUnavailable],
        [("POST", "/v1/cluster/undrain")] = [.. Auth, E.BadQuery, E.NotClustered, E.DrainRefused, E.ClusterUnavailable],
        [("GET", "/readyz")] = [E.NoSilos, E.ClusterUnreachable, E.GatewayStopping],
        [("POST", "/v1/auth/session")] = [E.Unauthorized],
    };

    /// <summary>The codes <paramref name="method"/> <paramref name="route"/> can answer with; open routes none, others at least the key check's.</summary>
    public static IReadOnlyList<string> For(string method, string route, bool open) =>
        ByRoute.TryGetValue((method, route), out var codes) ? codes : open ? [] : Auth;

    /// <summary>Every code named by some route (a test checks each is catalogued).</summary>
    public static IEnumerable<string> All => ByRoute.Values.SelectMany(c => c).Concat(Auth).Distinct();
}
