namespace Mallard.Grains.Shards;

/// <summary>
/// A blocked Bloom filter over key hashes, of a fixed size: each key sets 8 bits in one 64-byte
/// block (one cache line), so a probe costs one cache miss. Its size never changes: as keys
/// accumulate past what it was sized for, false positives grow instead of memory (simulated: at
/// 16 bits a key 1 in 1,100 absent keys passes, at 8 bits 1 in 34, at 4 bits 1 in 3), and each
/// one costs a look into the sorted runs on disk.
/// One writer, any number of readers: bits are only ever set, each with an atomic OR.
/// </summary>
internal sealed class KeyFilter
{
    private const int WordsPerBlock = 8;
    private readonly ulong[] _words;
    private readonly ulong _blocks;

    /// <param name="bytes">Size, rounded down to whole 64-byte blocks (at least one).</param>
    public KeyFilter(long bytes)
    {
        _blocks = (ulong)Math.Clamp(bytes / (WordsPerBlock * sizeof(ulong)), 1, int.MaxValue / WordsPerBlock);
        _words = new ulong[_blocks * WordsPerBlock];
    }

    /// <summary>Bytes the filter takes.</summary>
    public long Bytes => (long)_words.Length * sizeof(ulong);

    public void Add(ulong hash)
    {
        var block = Block(hash);
        var bits = Remix(hash);
        for (var k = 0; k < WordsPerBlock; k++)
        {
            Interlocked.Or(ref _words[block + k], 1UL << (int)((bits >> (6 * k)) & 63));
        }
    }

    /// <summary>Whether the hash may have been added (never false for one that was).</summary>
    public bool MayContain(ulong hash)
    {
        var block = Block(hash);
        var bits = Remix(hash);
        for (var k = 0; k < WordsPerBlock; k++)
        {
            if ((Volatile.Read(ref _words[block + k]) & (1UL << (int)((bits >> (6 * k)) & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    // The block from the hash's top 32 bits, scaled to the block count; one bit in each of the
    // block's 8 words from 48 bits of the remixed hash.
    private int Block(ulong hash) => (int)(((hash >> 32) * _blocks) >> 32) * WordsPerBlock;

    private static ulong Remix(ulong hash)
    {
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9UL;
        return hash ^ (hash >> 32);
    }
}
