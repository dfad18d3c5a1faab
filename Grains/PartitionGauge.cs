namespace Mallard.Grains;

/// <summary>Live numbers of one active partition, written by its grain, read by metrics.</summary>
public sealed class PartitionGauge(string dataset, int partition, string shardPath)
{
    private long _rows;
    private long _batches;
    private long _queuedRows;
    private long _watermarkMicros = long.MinValue;

    public string Dataset { get; } = dataset;

    public int Partition { get; } = partition;

    public string ShardPath { get; } = shardPath;

    public long Rows { get => Interlocked.Read(ref _rows); init => _rows = value; }

    public long Batches { get => Interlocked.Read(ref _batches); init => _batches = value; }

    public long QueuedRows { get => Interlocked.Read(ref _queuedRows); set => Interlocked.Exchange(ref _queuedRows, value); }

    /// <summary>Largest event time stored, microseconds since the epoch; <see cref="long.MinValue"/> when none.</summary>
    public long WatermarkMicros { get => Interlocked.Read(ref _watermarkMicros); init => _watermarkMicros = value; }

    /// <summary>Records a commit of <paramref name="rows"/> new rows in <paramref name="batches"/> new ledger entries.</summary>
    public void Committed(long rows, long batches, long maxEventMicros)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _batches, batches);
        long current;
        while ((current = Interlocked.Read(ref _watermarkMicros)) < maxEventMicros
            && Interlocked.CompareExchange(ref _watermarkMicros, maxEventMicros, current) != current)
        {
        }
    }
}
