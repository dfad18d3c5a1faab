using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Mallard.Grains.Shards;

/// <summary>
/// A sorted run of key hashes and their rows' rowids in a file of its own: 16-byte entries in
/// 4 KiB pages, with the first hash of every page kept in memory (8 bytes per 256 keys), so
/// finding a hash reads one page. Runs are written once and never changed; they are derived from
/// the shard's rows and live only as long as the shard is open.
/// </summary>
internal sealed class KeyRun : IDisposable
{
    private const int EntryBytes = 16;
    private const int PageBytes = 4096;
    private const int EntriesPerPage = PageBytes / EntryBytes;

    private readonly SafeFileHandle _file;
    private readonly ulong[] _firstOfPage;

    private KeyRun(string path, SafeFileHandle file, ulong[] firstOfPage, long count)
    {
        Path = path;
        _file = file;
        _firstOfPage = firstOfPage;
        Count = count;
    }

    public string Path { get; }

    /// <summary>Keys in the run.</summary>
    public long Count { get; }

    /// <summary>Memory the run keeps (its page index).</summary>
    public long Bytes => (long)_firstOfPage.Length * sizeof(ulong);

    /// <summary>Bytes of the run's file.</summary>
    public long FileBytes => Count * EntryBytes;

    /// <summary>Writes a new run's file from hashes and rowids handed over in ascending hash order.</summary>
    public sealed class Writer
    {
        private readonly string _path;
        private readonly FileStream _stream;
        private readonly List<ulong> _firstOfPage;
        private readonly byte[] _entry = new byte[EntryBytes];
        private long _count;
        private ulong _last;

        public Writer(string path, int expectedCount)
        {
            _path = path;
            _firstOfPage = new List<ulong>((expectedCount / EntriesPerPage) + 1);
            _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }

        public void Append(ReadOnlySpan<ulong> hashes, ReadOnlySpan<long> rows)
        {
            for (var i = 0; i < hashes.Length; i++)
            {
                if (_count > 0 && hashes[i] < _last)
                {
                    throw new InvalidOperationException($"key run {_path}: hashes out of order");
                }

                if (_count % EntriesPerPage == 0)
                {
                    _firstOfPage.Add(hashes[i]);
                }

                BinaryPrimitives.WriteUInt64LittleEndian(_entry, hashes[i]);
                BinaryPrimitives.WriteInt64LittleEndian(_entry.AsSpan(8), rows[i]);
                _stream.Write(_entry);
                _last = hashes[i];
                _count++;
            }
        }

        /// <summary>Closes the file and opens it as a run.</summary>
        public KeyRun Finish()
        {
            _stream.Dispose();
            return new KeyRun(_path, File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess), [.. _firstOfPage], _count);
        }

        /// <summary>Closes and deletes the unfinished file.</summary>
        public void Abandon()
        {
            _stream.Dispose();
            File.Delete(_path);
        }
    }

    /// <summary>Whether the run holds the hash and, if so, its row's rowid (negative when not known).</summary>
    public bool TryFind(ulong hash, out long rowid)
    {
        rowid = -1;
        if (Count == 0 || hash < _firstOfPage[0])
        {
            return false;
        }

        // The last page whose first hash is at most the one sought.
        int low = 0, high = _firstOfPage.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (_firstOfPage[mid] <= hash)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        var entries = (int)Math.Min(EntriesPerPage, Count - ((long)low * EntriesPerPage));
        Span<byte> page = stackalloc byte[PageBytes];
        page = page[..(entries * EntryBytes)];
        var read = 0;
        while (read < page.Length)
        {
            var n = RandomAccess.Read(_file, page[read..], ((long)low * PageBytes) + read);
            if (n == 0)
            {
                throw new IOException($"key run {Path} is shorter than its {Count} keys");
            }

            read += n;
        }

        int first = 0, last = entries - 1;
        while (first <= last)
        {
            var mid = (first + last) / 2;
            var found = BinaryPrimitives.ReadUInt64LittleEndian(page[(mid * EntryBytes)..]);
            if (found == hash)
            {
                rowid = BinaryPrimitives.ReadInt64LittleEndian(page[((mid * EntryBytes) + 8)..]);
                return true;
            }

            if (found < hash)
            {
                first = mid + 1;
            }
            else
            {
                last = mid - 1;
            }
        }

        return false;
    }

    public void Dispose() => _file.Dispose();
}
