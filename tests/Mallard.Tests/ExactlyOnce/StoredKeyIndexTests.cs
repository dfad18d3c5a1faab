using Mallard.Grains.Shards;
using Mallard.Tests.Support;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>
/// The stored-key index of exact dedup: a fixed amount of memory however many keys, every added
/// key found with its row whether it is among the newest keys or in a run on disk, and no key lost
/// to a reader while the newest keys are written out.
/// </summary>
public sealed class StoredKeyIndexTests
{
    [Fact]
    public void TryFind_keysWrittenOutToRuns_areFoundWithTheirRows_andAbsentKeysAreNot()
    {
        using var folder = new TempDirectory("mallard-key-index");
        using var index = new StoredKeyIndex(Path.Combine(folder.Path, "keys"), 1 << 20);
        var keys = RandomHashes(100_000, seed: 1);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.True(index.Add(keys[i], i));
        }

        Assert.True(index.RunCount >= 5, $"{index.RunCount} runs");
        Assert.Equal(100_000, index.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.True(index.TryFind(keys[i], out var rowid));
            Assert.Equal(i, rowid);
        }

        Assert.All(RandomHashes(100_000, seed: 2), absent => Assert.False(index.Contains(absent)));
        Assert.False(index.Add(keys[17], 5)); // a key in a run
        Assert.False(index.Add(keys[^1], 5)); // a newest key
    }

    [Fact]
    public void Add_pastWhatItsFilterWasSizedFor_keepsItsMemory_andLetsMoreAbsentKeysThroughToTheRuns()
    {
        using var folder = new TempDirectory("mallard-key-index");
        using var index = new StoredKeyIndex(Path.Combine(folder.Path, "keys"), 1 << 20);
        var keys = RandomHashes(1_200_000, seed: 3);
        var probes = RandomHashes(20_000, seed: 4);
        var at = new Dictionary<int, (long Bytes, long Passed)>();
        for (var i = 0; i < keys.Length; i++)
        {
            index.AddNew(keys[i], i);
            if (i + 1 is 100_000 or 1_200_000)
            {
                var passedBefore = index.DiskLookups.Passed;
                Assert.All(probes, absent => Assert.False(index.Contains(absent)));
                at[i + 1] = (index.Bytes, index.DiskLookups.Passed - passedBefore);
            }
        }

        // Only the runs' page indexes grow: 8 bytes per 256 keys.
        Assert.InRange(at[1_200_000].Bytes - at[100_000].Bytes, 0, 1_100_000 / 256 * 8 + 4096);
        Assert.InRange(index.Bytes, 0, (1 << 20) + (1_200_000 / 256 * 8) + 4096);
        Assert.True(at[1_200_000].Passed > at[100_000].Passed, $"filter passes {at[100_000].Passed} then {at[1_200_000].Passed}");
        Assert.True(index.DiskBytes >= (1_200_000 - index.FlushAt * 2L) * 16, $"{index.DiskBytes} bytes on disk");
    }

    [Fact]
    public async Task TryFind_whileTheNewestKeysAreWrittenOut_findsEveryKeyAddedBefore()
    {
        using var folder = new TempDirectory("mallard-key-index");
        using var index = new StoredKeyIndex(Path.Combine(folder.Path, "keys"), 1 << 20); // runs of 8,192 keys
        var keys = RandomHashes(1_000_000, seed: 5);
        var added = 0;
        var misses = 0;
        using var done = new CancellationTokenSource();
        using var reading = new CountdownEvent(2);
        var readers = Enumerable.Range(0, 2).Select(r => Task.Factory.StartNew(() =>
        {
            var random = new Random(r);
            reading.Signal();
            while (!done.IsCancellationRequested)
            {
                // Mostly the newest keys: those a run being written takes out of memory.
                var n = Volatile.Read(ref added);
                if (n > 0 && !index.Contains(keys[n - 1 - random.Next(Math.Min(n, 2 * index.FlushAt))]))
                {
                    Interlocked.Increment(ref misses);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the readers did not start");
        for (var i = 0; i < keys.Length; i++)
        {
            index.AddNew(keys[i], i);
            Volatile.Write(ref added, i + 1);
            index.FlushIfDue();
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(index.RunCount > 100, $"{index.RunCount} runs");
        Assert.Equal(0, misses);
    }

    [Fact]
    public void Constructor_folderLeftByAnEarlierOpen_startsEmpty_andDisposeDeletesTheRuns()
    {
        using var folder = new TempDirectory("mallard-key-index");
        var path = Path.Combine(folder.Path, "keys");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "run-000000.keys"), "left by a crash");

        var index = new StoredKeyIndex(path, 64 << 10);
        Assert.Empty(Directory.GetFiles(path));
        foreach (var key in RandomHashes(10_000, seed: 6))
        {
            index.Add(key);
        }

        Assert.NotEmpty(Directory.GetFiles(path));
        index.Dispose();

        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void AddNew_whileTheDiskRefusesRuns_keepsEveryKeyFindableInMemory_andWritesThemOutOnceItTakesThemAgain()
    {
        using var folder = new TempDirectory("mallard-key-index");
        var path = Path.Combine(folder.Path, "keys");
        using var index = new StoredKeyIndex(path, 64 << 10); // runs of 4,096 keys, full at 6,144
        var keys = RandomHashes(30_000, seed: 9);
        for (var i = 0; i < 5_000; i++)
        {
            index.AddNew(keys[i], i);
        }

        Assert.True(index.FlushIfDue());

        // A file where the runs' folder was: no run can be created there, not even by root.
        Directory.Delete(path, recursive: true);
        File.WriteAllText(path, "in the way");
        for (var i = 5_000; i < keys.Length; i++)
        {
            Assert.True(index.AddNew(keys[i], i));
        }

        Assert.NotNull(index.LastFlushFailure);
        Assert.ThrowsAny<IOException>(() => index.FlushIfDue());
        Assert.Equal(1, index.RunCount);
        Assert.All(Enumerable.Range(0, keys.Length), i => Assert.True(index.TryFind(keys[i], out var rowid) && rowid == i));
        Assert.True(index.Bytes > 64 << 10, $"{index.Bytes} bytes: the newest keys grew past their share");

        File.Delete(path);
        Directory.CreateDirectory(path);
        Assert.True(index.FlushIfDue());

        Assert.Equal(2, index.RunCount);
        Assert.All(Enumerable.Range(0, keys.Length), i => Assert.True(index.TryFind(keys[i], out var rowid) && rowid == i));
        Assert.True(index.Bytes < 300 << 10, $"{index.Bytes} bytes: back to its share after the keys went out");
    }

    [Fact]
    public void MayContain_everyAddedHash_isTrue_andAtSixteenBitsAKey_fewAbsentOnesPass()
    {
        var filter = new KeyFilter(1 << 17); // 1 Mbit
        var keys = RandomHashes(1 << 16, seed: 7);
        foreach (var key in keys)
        {
            filter.Add(key);
        }

        Assert.All(keys, key => Assert.True(filter.MayContain(key)));
        var passed = RandomHashes(100_000, seed: 8).Count(filter.MayContain);
        Assert.InRange(passed, 0, 500); // under 0.5%
    }

    private static ulong[] RandomHashes(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63)).ToArray();
    }
}
