namespace Mallard.Grains.Shards;

/// <summary>
/// The key hashes of a dataset with a <c>dedup_window</c> W, kept per bucket of event time W wide,
/// for the newest <see cref="MaxBuckets"/> buckets only. A stored record within W of a new one lies
/// in the new one's bucket or a neighbour, so when none of those three holds the new key's hash,
/// and none of them was dropped, no stored record repeats it: the batch goes straight into the
/// table. Anything else (a hash hit, or a record old enough to need a dropped bucket) takes the
/// staging path, which compares the real keys and times. Memory is bounded by the keys of
/// <see cref="MaxBuckets"/> windows of event time, whatever the shard's history.
/// Used by the shard's writer only, under its write gate; <see cref="Bytes"/> may be read anywhere.
/// </summary>
internal sealed class WindowedKeyHashes(long windowMicros)
{
    /// <summary>Buckets kept: the three a new record needs, and one more for records arriving a little late.</summary>
    public const int MaxBuckets = 4;

    private readonly SortedDictionary<long, KeyHashSet> _buckets = [];
    private long _droppedThrough = long.MinValue;
    private long _bytes;

    /// <summary>Bytes the kept buckets' slots take.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Keys in the kept buckets.</summary>
    public long Count => _buckets.Values.Sum(set => set.Count);

    /// <summary>The oldest bucket that is still kept complete: records of older buckets are not here.</summary>
    public long OldestKept => _droppedThrough == long.MinValue ? long.MinValue : _droppedThrough + 1;

    /// <summary>The bucket of an event time (microseconds since the epoch).</summary>
    public long BucketOf(long time) => Math.DivRem(time, windowMicros, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>
    /// Marks every bucket before <paramref name="bucket"/> as not kept (a shard opening reads only
    /// the rows of the newest buckets).
    /// </summary>
    public void KeepFrom(long bucket) => _droppedThrough = Math.Max(_droppedThrough, bucket - 1);

    /// <summary>Whether a stored record within the window of <paramref name="time"/> may have this key hash.</summary>
    public bool MayHold(ulong hash, long time)
    {
        var bucket = BucketOf(time);
        if (bucket - 1 <= _droppedThrough)
        {
            return true;
        }

        for (var neighbour = bucket - 1; neighbour <= bucket + 1; neighbour++)
        {
            if (_buckets.TryGetValue(neighbour, out var set) && set.Contains(hash))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Adds a stored record's key hash to its bucket; the oldest bucket is dropped past
    /// <see cref="MaxBuckets"/>. <see cref="Measure"/> afterwards updates <see cref="Bytes"/>.
    /// </summary>
    public void Add(ulong hash, long time)
    {
        var bucket = BucketOf(time);
        if (bucket <= _droppedThrough)
        {
            // Its bucket is not kept: every record near it takes the staging path anyway.
            return;
        }

        if (!_buckets.TryGetValue(bucket, out var set))
        {
            set = new KeyHashSet();
            _buckets.Add(bucket, set);
            if (_buckets.Count > MaxBuckets)
            {
                var oldest = _buckets.Keys.First();
                _buckets.Remove(oldest);
                _droppedThrough = Math.Max(_droppedThrough, oldest);
                if (oldest == bucket)
                {
                    return;
                }
            }
        }

        set.Add(hash);
    }

    /// <summary>Recounts <see cref="Bytes"/> after adds.</summary>
    public void Measure() => Interlocked.Exchange(ref _bytes, _buckets.Values.Sum(set => set.Bytes));
}
