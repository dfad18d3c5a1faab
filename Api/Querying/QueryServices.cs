using Mallard.Contract;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Querying;

/// <summary>What the query handler needs from the host, bound as one parameter.</summary>
public sealed record QueryServices(
    ContractDefinition Contract,
    IGrainFactory Grains,
    IOptions<GatewayOptions> Options,
    IOptions<QueryOptions> QueryLimits,
    ILoggerFactory Loggers,
    GatewayMetrics Metrics);
