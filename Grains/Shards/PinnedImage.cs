using DuckDB.NET.Data;
using Mallard.Contract;

namespace Mallard.Grains.Shards;

/// <summary>A shard file image that stays consistent while it is copied, with a read transaction that sees exactly it.</summary>
/// <param name="Seq">The commit sequence the image holds everything up to.</param>
/// <param name="Bytes">How many leading bytes of the file make up the image.</param>
/// <param name="Rows">Rows in the image.</param>
/// <param name="Ledger">Ledger entries in the image.</param>
public sealed record PinnedImage(long Seq, long Bytes, long Rows, long Ledger) : IDisposable
{
    internal DuckDBConnection? Snapshot { get; init; }

    internal DatasetDefinition? Dataset { get; init; }

    /// <summary>Rows, ledger entries and content checksum of the image (a full scan on the pinned read transaction); blocks on DuckDB.</summary>
    public (long Rows, long Ledger, string Checksum) Fingerprint() =>
        Shard.Fingerprint(Snapshot ?? throw new ObjectDisposedException(nameof(PinnedImage)), Dataset!);

    /// <summary>Ends the pinned read transaction.</summary>
    public void Dispose() => Snapshot?.Dispose();
}
