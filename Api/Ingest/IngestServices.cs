using Mallard.Contract;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Ingest;

/// <summary>What the ingest handler needs from the host, bound as one parameter.</summary>
public sealed record IngestServices(
    ContractDefinition Contract,
    IGrainFactory Grains,
    IOptions<GatewayOptions> Options,
    GatewayMetrics Metrics,
    ILoggerFactory Loggers);
