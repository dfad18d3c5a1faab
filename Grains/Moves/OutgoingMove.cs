using Mallard.Moves;

namespace Mallard.Grains.Moves;

/// <summary>A move out of a partition, as its source keeps it: the pinned image and the log of groups committed since.</summary>
public sealed class OutgoingMove(PartitionMove move, long imageBytes)
{
    private readonly List<LoggedGroup> _log = [];

    public PartitionMove Move => move;

    /// <summary>The image's content checksum, computed in the background from the pin on.</summary>
    public Task<string>? Checksum { get; set; }

    /// <summary>When the target last called; a move left idle before its seal is abandoned.</summary>
    public DateTime LastCall { get; set; } = DateTime.UtcNow;

    /// <summary>The pinned image's length.</summary>
    public long ImageBytes => imageBytes;

    /// <summary>True once the source stopped accepting writes for the switch.</summary>
    public bool Sealing { get; set; }

    /// <summary>True once the shard is sealed (no commit can follow).</summary>
    public MoveSeal? Sealed { get; set; }

    /// <summary>When the shard was sealed.</summary>
    public DateTime SealedAt { get; set; }

    /// <summary>Rows kept in the log, not yet pulled.</summary>
    public long LoggedRows { get; private set; }

    /// <summary>Keeps a group the target has not pulled yet.</summary>
    public void Keep(LoggedGroup group)
    {
        _log.Add(group);
        LoggedRows += group.Rows;
    }

    /// <summary>Forgets what the target has (up to <paramref name="afterSeq"/>) and returns the next groups, about <paramref name="maxRows"/> rows.</summary>
    public LoggedGroup[] Pull(long afterSeq, int maxRows)
    {
        var forgotten = _log.TakeWhile(g => g.Seq <= afterSeq).ToList();
        _log.RemoveRange(0, forgotten.Count);
        LoggedRows -= forgotten.Sum(g => g.Rows);
        var next = new List<LoggedGroup>();
        long rows = 0;
        foreach (var group in _log)
        {
            if (next.Count > 0 && rows + group.Rows > maxRows)
            {
                break;
            }

            next.Add(group);
            rows += group.Rows;
        }

        return [.. next];
    }
}
