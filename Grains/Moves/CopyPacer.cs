namespace Mallard.Grains.Moves;

/// <summary>
/// Keeps a copy under a byte rate: how long to wait before requesting the bytes from
/// <c>offset</c> on, given how long the copy has run. A rate of 0 never waits.
/// </summary>
public sealed class CopyPacer(int megabytesPerSecond)
{
    public TimeSpan DelayBefore(long offset, TimeSpan elapsed)
    {
        if (megabytesPerSecond <= 0)
        {
            return TimeSpan.Zero;
        }

        var due = TimeSpan.FromSeconds(offset / (megabytesPerSecond * 1e6)) - elapsed;
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }
}
