using Mallard.Api.Views;

namespace Mallard.Api.Ingest;

/// <summary>
/// The last <see cref="Window"/> of this gateway's ingest, per second and per dataset, for the
/// console's chart (a browser should not parse Prometheus text). Fed where the gateway's counters
/// are; fixed memory: one ring of seconds per dataset plus one for refusals at the door.
/// </summary>
public sealed class IngestHistory(TimeProvider clock)
{
    /// <summary>How far back the history reaches.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const int Slots = 900;
    private readonly Dictionary<string, Ring> _datasets = new(StringComparer.Ordinal);
    private readonly Ring _door = new();
    private readonly Lock _lock = new();

    /// <summary>A committed batch.</summary>
    public void Accepted(string dataset, int records, int duplicates) =>
        Add(RingOf(dataset), (ref Bucket b) =>
        {
            b.Batches++;
            b.Records += records;
            b.Duplicates += duplicates;
        });

    /// <summary>A batch refused after it reached the ingest endpoint: the client's fault, or retryable.</summary>
    public void Refused(string dataset, bool retryable, int records) =>
        Add(RingOf(dataset), (ref Bucket b) =>
        {
            if (retryable)
            {
                b.Unavailable++;
            }
            else
            {
                b.Rejected++;
                b.RejectedRecords += records;
            }
        });

    /// <summary>A request refused at admission, before its dataset's endpoint ran.</summary>
    public void RefusedAtDoor() => Add(_door, (ref Bucket b) => b.Unavailable++);

    /// <summary>The history of <paramref name="dataset"/> over the last <paramref name="span"/>, one point per <paramref name="step"/>, oldest first.</summary>
    public IngestRateView Read(string dataset, TimeSpan span, TimeSpan step)
    {
        var stepSeconds = (int)Math.Max(1, step.TotalSeconds);
        var count = (int)Math.Max(1, Math.Ceiling(span.TotalSeconds / stepSeconds));
        var now = Second(clock.GetUtcNow());
        // The current second is still filling: points end with the last whole second.
        var end = now - 1;
        var start = end - ((long)count * stepSeconds) + 1;
        var points = new IngestRatePoint[count];
        lock (_lock)
        {
            _datasets.TryGetValue(dataset, out var ring);
            for (var i = 0; i < count; i++)
            {
                var from = start + ((long)i * stepSeconds);
                var sum = default(Bucket);
                var door = 0L;
                for (var second = from; second < from + stepSeconds; second++)
                {
                    if (ring?.At(second) is { } bucket)
                    {
                        sum.Add(bucket);
                    }

                    door += _door.At(second)?.Unavailable ?? 0;
                }

                points[i] = new IngestRatePoint(
                    DateTimeOffset.FromUnixTimeSeconds(from),
                    sum.Records / (double)stepSeconds,
                    sum.Records,
                    sum.Duplicates,
                    sum.Batches,
                    sum.Rejected,
                    sum.RejectedRecords,
                    sum.Unavailable,
                    door);
            }
        }

        return new IngestRateView(dataset, stepSeconds, DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(end + 1), points);
    }

    private Ring RingOf(string dataset)
    {
        lock (_lock)
        {
            if (!_datasets.TryGetValue(dataset, out var ring))
            {
                _datasets[dataset] = ring = new Ring();
            }

            return ring;
        }
    }

    private void Add(Ring ring, BucketUpdate update)
    {
        var second = Second(clock.GetUtcNow());
        lock (_lock)
        {
            update(ref ring.For(second));
        }
    }

    private static long Second(DateTimeOffset time) => time.ToUnixTimeSeconds();

    private delegate void BucketUpdate(ref Bucket bucket);

    private struct Bucket
    {
        public long Second;
        public long Batches;
        public long Records;
        public long Duplicates;
        public long Rejected;
        public long RejectedRecords;
        public long Unavailable;

        public void Add(Bucket other)
        {
            Batches += other.Batches;
            Records += other.Records;
            Duplicates += other.Duplicates;
            Rejected += other.Rejected;
            RejectedRecords += other.RejectedRecords;
            Unavailable += other.Unavailable;
        }
    }

    private sealed class Ring
    {
        private readonly Bucket[] _buckets = new Bucket[Slots];

        // The bucket of one second, cleared when it last held a second a whole window ago.
        public ref Bucket For(long second)
        {
            ref var bucket = ref _buckets[(int)(second % Slots)];
            if (bucket.Second != second)
            {
                bucket = new Bucket { Second = second };
            }

            return ref bucket;
        }

        public Bucket? At(long second)
        {
            var bucket = _buckets[(int)(second % Slots)];
            return bucket.Second == second ? bucket : null;
        }
    }
}
