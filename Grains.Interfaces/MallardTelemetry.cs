using System.Diagnostics;

namespace Mallard;

/// <summary>
/// Mallard's own trace spans, shared by the gateway and the silo so one request's spans form one
/// trace: <c>mallard.ingest.validate</c>, <c>mallard.ingest.fanout</c>, <c>mallard.partition.append</c>
/// (ends when the batch's commit ends), <c>mallard.shard.commit</c>, <c>mallard.query.fanout</c>,
/// <c>mallard.partition.query</c>.
/// </summary>
public static class MallardTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name to subscribe to.</summary>
    public const string SourceName = "Mallard";

    /// <summary>The source of Mallard's spans.</summary>
    public static readonly ActivitySource Source = new(SourceName);
}
