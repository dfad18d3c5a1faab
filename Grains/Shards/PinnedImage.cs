namespace Mallard.Grains.Shards;

/// <summary>A shard file image that stays consistent while it is copied.</summary>
/// <param name="Seq">The commit sequence the image holds everything up to.</param>
/// <param name="Bytes">How many leading bytes of the file make up the image.</param>
/// <param name="Rows">Rows in the image.</param>
/// <param name="Ledger">Ledger entries in the image.</param>
public sealed record PinnedImage(long Seq, long Bytes, long Rows, long Ledger);
