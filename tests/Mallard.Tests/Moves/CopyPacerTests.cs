using Mallard.Grains.Moves;

namespace Mallard.Tests.Moves;

public sealed class CopyPacerTests
{
    [Fact]
    public void DelayBefore_aheadOfTheCap_waitsUntilTheBytesAreDue()
    {
        var pacer = new CopyPacer(megabytesPerSecond: 100);

        // 200 MB are due at 2 s; at 0.5 s the copy waits 1.5 s.
        Assert.Equal(TimeSpan.FromSeconds(1.5), pacer.DelayBefore(200_000_000, TimeSpan.FromSeconds(0.5)));
    }

    [Fact]
    public void DelayBefore_behindTheCap_doesNotWait()
    {
        Assert.Equal(TimeSpan.Zero, new CopyPacer(100).DelayBefore(200_000_000, TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void DelayBefore_withoutACap_neverWaits()
    {
        Assert.Equal(TimeSpan.Zero, new CopyPacer(0).DelayBefore(long.MaxValue / 2, TimeSpan.Zero));
    }
}
