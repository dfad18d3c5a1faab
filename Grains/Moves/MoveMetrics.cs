using System.Diagnostics.Metrics;

namespace Mallard.Grains.Moves;

/// <summary>The move instruments (meter <see cref="ShardMetrics.MeterName"/>), recorded on the target that runs each move.</summary>
public sealed class MoveMetrics
{
    private readonly Counter<long> _started;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _writeUnavailable;

    public MoveMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ShardMetrics.MeterName);
        _started = meter.CreateCounter<long>("mallard.moves.started", "{move}", "Partition moves started");
        _completed = meter.CreateCounter<long>("mallard.moves.completed", "{move}", "Partition moves that switched ownership to their target");
        _failed = meter.CreateCounter<long>("mallard.moves.failed", "{move}", "Partition moves that stopped (the partition stays on its source), by reason");
        _bytes = meter.CreateCounter<long>("mallard.moves.bytes", "By", "Shard image bytes copied between silos");
        _writeUnavailable = meter.CreateHistogram<double>("mallard.moves.write_unavailable", "s", "Per move, how long the partition refused writes (seal to switch)");
    }

    public void Started(string dataset) => _started.Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    public void Completed(string dataset, TimeSpan writeUnavailable)
    {
        _completed.Add(1, new KeyValuePair<string, object?>("dataset", dataset));
        _writeUnavailable.Record(writeUnavailable.TotalSeconds, new KeyValuePair<string, object?>("dataset", dataset));
    }

    public void Failed(string dataset, string reason) =>
        _failed.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("reason", reason));

    public void Copied(long bytes) => _bytes.Add(bytes);
}
