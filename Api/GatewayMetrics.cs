using System.Diagnostics.Metrics;

namespace Mallard.Api;

/// <summary>The gateway's own instruments (meter <c>Mallard.Gateway</c>). Labels stay bounded: dataset and reason only.</summary>
public sealed class GatewayMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "Mallard.Gateway";

    private readonly Counter<long> _recordsAccepted;
    private readonly Counter<long> _recordsRejected;
    private readonly Counter<long> _recordsDuplicate;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _refusals;
    private readonly Histogram<double> _commitSeconds;
    private readonly Counter<long> _authRefusals;
    private readonly Counter<long> _keysFileErrors;
    private readonly Counter<long> _queryFallbacks;

    /// <summary>Creates the instruments on the host's meter factory.</summary>
    public GatewayMetrics(IMeterFactory meters, Ingest.IngestHistory history)
    {
        History = history;
        var meter = meters.Create(MeterName);
        _recordsAccepted = meter.CreateCounter<long>("mallard.records.accepted", "{record}", "Records committed to shards");
        _recordsRejected = meter.CreateCounter<long>("mallard.records.rejected", "{record}", "Records in batches refused by validation");
        _recordsDuplicate = meter.CreateCounter<long>("mallard.records.duplicate", "{record}", "Records not stored because their key was already stored");
        _refusals = meter.CreateCounter<long>("mallard.gateway.overload.refusals", "{request}", "Requests refused at admission (gateway_busy: 503, client_busy: 429)");
        _batches = meter.CreateCounter<long>("mallard.batches", "{batch}", "Ingest requests by outcome");
        _authRefusals = meter.CreateCounter<long>("mallard.auth.refusals", "{request}", "Requests refused by authentication (401) or scope (403), by reason");
        _queryFallbacks = meter.CreateCounter<long>("mallard.query.fanout.fallbacks", "{query}", "Queries whose one call to the relay failed as a whole, so the gateway asked each partition alone (a silo one version behind, or the relay's silo gone)");
        _keysFileErrors = meter.CreateCounter<long>("mallard.auth.keys_file_errors", "{error}", "Reloads of the keys file that failed (the keys loaded before stay in force)");
        _commitSeconds = meter.CreateHistogram<double>(
            "mallard.batch.commit.duration",
            "s",
            "Time from routing a valid batch to every partition's commit",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>The per-second ingest history the console charts, fed with the counters.</summary>
    public Ingest.IngestHistory History { get; }

    /// <summary>Counts a committed batch.</summary>
    public void BatchAccepted(string dataset, int records, int duplicates, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("dataset", dataset);
        _recordsAccepted.Add(records, tag);
        History.Accepted(dataset, records, duplicates);
        _recordsDuplicate.Add(duplicates, tag);
        _batches.Add(1, tag, new KeyValuePair<string, object?>("outcome", "accepted"));
        _commitSeconds.Record(elapsed.TotalSeconds, tag);
    }

    /// <summary>Counts a request refused at admission.</summary>
    public void RequestRefused(string reason)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
        History.RefusedAtDoor();
    }

    /// <summary>Counts a query whose one relay call failed as a whole and was asked partition by partition.</summary>
    public void QueryFellBack(string dataset) =>
        _queryFallbacks.Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Counts a request refused for its credentials (missing, invalid) or its scope (forbidden).</summary>
    public void AuthRefused(string reason) =>
        _authRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts a failed reload of the keys file.</summary>
    public void KeysFileError() => _keysFileErrors.Add(1);

    /// <summary>Counts a refused batch by reason.</summary>
    public void BatchRejected(string dataset, string reason) =>
        _batches.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("outcome", reason));

    /// <summary>Counts records of a batch refused by validation.</summary>
    public void RecordsRejected(string dataset, string reason, int records) =>
        _recordsRejected.Add(records, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("reason", reason));
}
