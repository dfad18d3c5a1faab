using System.Numerics;

namespace Mallard.Grains.Shards;

/// <summary>
/// The full hashes of a shard's newest stored keys and their rows' rowids, until they are written
/// out as a sorted run (<see cref="StoredKeyIndex"/>): open addressing over two arrays that grow by
/// doubling up to a fixed size and are then cleared and reused, so a shard's newest keys cost at
/// most that size whatever the shard holds. A key's first slot comes from its hash's top bits, so
/// the table is already in hash order but for the short runs of linear probing: writing it out
/// is one pass and a nearly sorted sort, not a sort of a million keys.
/// One writer and any number of concurrent readers: a slot's rowid is written before its hash, a
/// hash only ever fills an empty slot, and a grown table is filled before it is published.
/// </summary>
internal sealed class RecentKeys
{
    /// <summary>Bytes of one held key: its hash and its row's rowid.</summary>
    public const int EntryBytes = sizeof(ulong) + sizeof(long);

    private const int InitialCapacity = 1 << 12;
    private const int RangeBits = 4;

    // 0 marks an empty slot; the hash 0 itself is kept aside.
    private Table _table = new(InitialCapacity);
    private long _zeroRow = long.MinValue;
    private ulong[]? _scratchHashes;
    private long[]? _scratchRows;

    /// <param name="flushAt">Keys held before a flush is due; the table grows to twice this many slots and no further.</param>
    public RecentKeys(int flushAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(flushAt, 1);
        FlushAt = flushAt;
        MaxCapacity = (int)Math.Max(InitialCapacity, BitOperations.RoundUpToPowerOf2((uint)flushAt * 2));
    }

    /// <summary>Keys held before a flush is due.</summary>
    public int FlushAt { get; }

    /// <summary>Most slots the table grows to.</summary>
    public int MaxCapacity { get; }

    /// <summary>The most bytes the table and its sort buffer take.</summary>
    public long MaxBytes => ((long)MaxCapacity + ScratchEntries) * EntryBytes;

    /// <summary>Keys held.</summary>
    public int Count { get; private set; }

    /// <summary>Whether enough keys are held to write them out.</summary>
    public bool FlushDue => Count >= FlushAt;

    /// <summary>Whether the table is as full as it may get: the keys must be written out before one more is added.</summary>
    public bool Full => Count + 1 > (long)MaxCapacity * 3 / 4;

    /// <summary>Bytes the table and its sort buffer take.</summary>
    public long Bytes => ((long)Volatile.Read(ref _table).Hashes.Length + (Volatile.Read(ref _scratchHashes)?.Length ?? 0)) * EntryBytes;

    // A sixteenth of the most keys the table holds, with slack far beyond the spread of uniform hashes.
    private int ScratchEntries => (MaxCapacity * 3 / 64) + (MaxCapacity / 256) + 64;

    /// <summary>Whether the hash is held and, if so, its row's rowid (negative when not known).</summary>
    public bool TryFind(ulong hash, out long rowid)
    {
        if (hash == 0)
        {
            rowid = Volatile.Read(ref _zeroRow);
            return rowid != long.MinValue;
        }

        var table = Volatile.Read(ref _table);
        var mask = table.Hashes.Length - 1;
        for (var slot = table.Home(hash); ; slot = (slot + 1) & mask)
        {
            var found = Volatile.Read(ref table.Hashes[slot]);
            if (found == 0)
            {
                rowid = -1;
                return false;
            }

            if (found == hash)
            {
                rowid = Volatile.Read(ref table.Rows[slot]);
                return true;
            }
        }
    }

    /// <summary>
    /// Adds a hash and its row's rowid (negative when not known); false when the hash was held
    /// already. Past <see cref="Full"/> the table keeps growing (the keys could not be written
    /// out): every stored key must stay findable.
    /// </summary>
    public bool Add(ulong hash, long rowid)
    {
        if (hash == 0)
        {
            if (_zeroRow != long.MinValue)
            {
                return false;
            }

            Volatile.Write(ref _zeroRow, rowid < 0 ? -1 : rowid);
            Count++;
            return true;
        }

        if ((Count + 1) * 4L > _table.Hashes.Length * 3L)
        {
            var grown = new Table(_table.Hashes.Length * 2);
            for (var slot = 0; slot < _table.Hashes.Length; slot++)
            {
                if (_table.Hashes[slot] != 0)
                {
                    Insert(grown, _table.Hashes[slot], _table.Rows[slot]);
                }
            }

            Volatile.Write(ref _table, grown);
        }

        if (!Insert(_table, hash, rowid < 0 ? -1 : rowid))
        {
            return false;
        }

        Count++;
        return true;
    }

    /// <summary>
    /// Hands the held hashes and rowids over in ascending (unsigned) hash order, in chunks of a
    /// scratch buffer that is reused: each chunk is one sixteenth of the hash range, whose keys
    /// sit in one sixteenth of the slots (and the few slots after it that probing spilled into),
    /// so writing out a million keys allocates nothing. The table is only read.
    /// </summary>
    public void ForEachSortedChunk(Action<ReadOnlySpan<ulong>, ReadOnlySpan<long>> chunk)
    {
        var table = _table;
        var hashes = table.Hashes;
        var mask = hashes.Length - 1;
        var part = hashes.Length >> RangeBits;
        for (var range = 0; range < 1 << RangeBits; range++)
        {
            var n = 0;
            if (range == 0 && _zeroRow != long.MinValue)
            {
                Keep(ref n, 0, _zeroRow);
            }

            // The range's slots, then on while the last cluster goes on (past the end: from slot 0).
            var end = (range + 1) * part;
            for (var slot = range * part; slot < end || hashes[slot & mask] != 0; slot++)
            {
                var hash = hashes[slot & mask];
                if (hash != 0 && (int)(hash >> (64 - RangeBits)) == range)
                {
                    Keep(ref n, hash, table.Rows[slot & mask]);
                }
            }

            SortNearlySorted(_scratchHashes!, _scratchRows!, n);
            chunk(_scratchHashes.AsSpan(0, n), _scratchRows.AsSpan(0, n));
        }
    }

    /// <summary>
    /// Forgets every key, keeping the table's memory. The caller has made them findable elsewhere
    /// first: a reader that misses here then finds them there.
    /// </summary>
    public void Clear()
    {
        Interlocked.MemoryBarrier();
        Volatile.Write(ref _zeroRow, long.MinValue);
        if (_table.Hashes.Length > MaxCapacity)
        {
            // It grew while keys could not be written out: back to its size.
            Volatile.Write(ref _table, new Table(MaxCapacity));
        }
        else
        {
            Array.Clear(_table.Hashes);
        }

        Count = 0;
    }

    // Linear probing leaves a key at most a cluster's length after its place: insertion sort
    // moves each a few steps. Input far from sorted (a pathological cluster) goes to Array.Sort.
    private static void SortNearlySorted(ulong[] hashes, long[] rows, int count)
    {
        var moves = 0L;
        for (var i = 1; i < count; i++)
        {
            var hash = hashes[i];
            if (hash >= hashes[i - 1])
            {
                continue;
            }

            var row = rows[i];
            var j = i - 1;
            while (j >= 0 && hashes[j] > hash)
            {
                hashes[j + 1] = hashes[j];
                rows[j + 1] = rows[j];
                j--;
                if (++moves > 16L * count)
                {
                    hashes[j + 1] = hash;
                    rows[j + 1] = row;
                    Array.Sort(hashes, rows, 0, count);
                    return;
                }
            }

            hashes[j + 1] = hash;
            rows[j + 1] = row;
        }
    }

    private void Keep(ref int n, ulong hash, long rowid)
    {
        if (_scratchHashes is null || _scratchHashes.Length <= n)
        {
            var size = Math.Max(n + 1 + (n / 4), ScratchEntries);
            Array.Resize(ref _scratchHashes, size);
            Array.Resize(ref _scratchRows, size);
        }

        _scratchHashes[n] = hash;
        _scratchRows![n++] = rowid;
    }

    private static bool Insert(Table table, ulong hash, long rowid)
    {
        var mask = table.Hashes.Length - 1;
        for (var slot = table.Home(hash); ; slot = (slot + 1) & mask)
        {
            var found = table.Hashes[slot];
            if (found == 0)
            {
                table.Rows[slot] = rowid;
                Volatile.Write(ref table.Hashes[slot], hash);
                return true;
            }

            if (found == hash)
            {
                return false;
            }
        }
    }

    private sealed class Table(int capacity)
    {
        public readonly ulong[] Hashes = new ulong[capacity];
        public readonly long[] Rows = new long[capacity];
        private readonly int _shift = 64 - BitOperations.Log2((uint)capacity);

        // The first slot tried: the hash's top bits, so slots follow hash order.
        public int Home(ulong hash) => (int)(hash >> _shift);
    }
}
