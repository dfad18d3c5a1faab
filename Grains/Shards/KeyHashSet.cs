namespace Mallard.Grains.Shards;

/// <summary>
/// A set of 64-bit key hashes: the keys of one window of event time of a dataset with a dedup
/// window (<see cref="WindowedKeyHashes"/>). Open addressing in 64 segments picked by the hash's
/// top 6 bits, so that growing one copies 1/64th of the set; 8 bytes a key at full load, 16 just
/// after a segment doubles. A hit is only a candidate: different keys may share a hash, and the
/// caller confirms against the stored rows.
/// One writer and any number of concurrent readers: a slot is one atomic 64-bit write that only
/// ever fills an empty slot, and a grown segment is filled before it is published.
/// </summary>
internal sealed class KeyHashSet
{
    private const int SegmentBits = 6;
    private const int InitialSegmentCapacity = 64;

    // 0 marks an empty slot; the hash 0 is kept as 1 instead (at worst one more candidate to confirm).
    private readonly ulong[][] _segments = new ulong[1 << SegmentBits][];
    private readonly int[] _counts = new int[1 << SegmentBits];

    /// <param name="expectedCount">Keys about to be added: sized once, not doubled into.</param>
    public KeyHashSet(long expectedCount = 0)
    {
        var capacity = InitialSegmentCapacity;
        var perSegment = expectedCount / _segments.Length;
        while (capacity * 3L < perSegment * 4)
        {
            capacity *= 2;
        }

        for (var s = 0; s < _segments.Length; s++)
        {
            _segments[s] = new ulong[capacity];
        }
    }

    /// <summary>Keys in the set.</summary>
    public long Count { get; private set; }

    /// <summary>Bytes the set's slots take.</summary>
    public long Bytes => _segments.Sum(segment => (long)segment.Length) * sizeof(ulong);

    /// <summary>Whether a key with this hash may be stored.</summary>
    public bool Contains(ulong hash)
    {
        hash = Stored(hash);
        var segment = Volatile.Read(ref _segments[Segment(hash)]);
        var mask = segment.Length - 1;
        for (var slot = (int)(hash & (uint)mask); ; slot = (slot + 1) & mask)
        {
            var found = Volatile.Read(ref segment[slot]);
            if (found == 0)
            {
                return false;
            }

            if (found == hash)
            {
                return true;
            }
        }
    }

    /// <summary>Adds a hash; false when it was there already.</summary>
    public bool Add(ulong hash)
    {
        hash = Stored(hash);
        var s = Segment(hash);
        if ((_counts[s] + 1) * 4L > _segments[s].Length * 3L)
        {
            Volatile.Write(ref _segments[s], Grow(_segments[s]));
        }

        if (!Insert(_segments[s], hash))
        {
            return false;
        }

        _counts[s]++;
        Count++;
        return true;
    }

    private static ulong[] Grow(ulong[] segment)
    {
        var grown = new ulong[segment.Length * 2];
        foreach (var value in segment)
        {
            if (value != 0)
            {
                Insert(grown, value);
            }
        }

        return grown;
    }

    private static bool Insert(ulong[] segment, ulong hash)
    {
        var mask = segment.Length - 1;
        for (var slot = (int)(hash & (uint)mask); ; slot = (slot + 1) & mask)
        {
            var found = segment[slot];
            if (found == 0)
            {
                Volatile.Write(ref segment[slot], hash);
                return true;
            }

            if (found == hash)
            {
                return false;
            }
        }
    }

    private static ulong Stored(ulong hash) => hash == 0 ? 1 : hash;

    private static int Segment(ulong hash) => (int)(hash >> (64 - SegmentBits));
}
