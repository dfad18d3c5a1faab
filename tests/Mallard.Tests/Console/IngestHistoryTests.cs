using Mallard.Api.Ingest;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>The per-second ingest history behind the console's chart.</summary>
public sealed class IngestHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_sumsEachStep_oldestFirst_endingWithTheLastWholeSecond()
    {
        var clock = new ManualClock(Start);
        var history = new IngestHistory(clock);
        history.Accepted("page_views", records: 100, duplicates: 2);
        clock.Advance(TimeSpan.FromSeconds(3));
        history.Accepted("page_views", records: 50, duplicates: 0);
        history.Refused("page_views", retryable: false, records: 7);
        history.Refused("page_views", retryable: true, records: 0);
        history.RefusedAtDoor();
        clock.Advance(TimeSpan.FromSeconds(7));

        var view = history.Read("page_views", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));

        Assert.Equal(4, view.Points.Length);
        Assert.Equal(Start.AddSeconds(10), view.To);
        Assert.Equal(Start.AddSeconds(-10), view.From);
        var step = view.Points[2];
        Assert.Equal(Start, step.Time);
        Assert.Equal(150, step.Records);
        Assert.Equal(30, step.RecordsPerSecond);
        Assert.Equal(2, step.Duplicates);
        Assert.Equal(2, step.Batches);
        Assert.Equal((1, 7, 1, 1), (step.Rejected, step.RejectedRecords, step.Unavailable, step.RefusedAtDoor));
        Assert.All(view.Points.Where(p => p != step), p => Assert.Equal(0, p.Records + p.Rejected + p.Unavailable + p.RefusedAtDoor));
    }

    [Fact]
    public void Read_afterTheWindow_forgetsOldSeconds_evenWhereTheRingSlotIsReused()
    {
        var clock = new ManualClock(Start);
        var history = new IngestHistory(clock);
        history.Accepted("page_views", records: 10, duplicates: 0);
        clock.Advance(IngestHistory.Window);
        history.Accepted("page_views", records: 1, duplicates: 0);
        clock.Advance(TimeSpan.FromSeconds(1));

        var view = history.Read("page_views", IngestHistory.Window, TimeSpan.FromSeconds(60));

        Assert.Equal(1, view.Points.Sum(p => p.Records));
    }

    [Fact]
    public void Read_ofADatasetWithoutTraffic_isZeros_andKeepsDatasetsApart()
    {
        var clock = new ManualClock(Start);
        var history = new IngestHistory(clock);
        history.Accepted("orders", records: 5, duplicates: 0);
        clock.Advance(TimeSpan.FromSeconds(1));

        var view = history.Read("page_views", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

        Assert.Equal(60, view.Points.Length);
        Assert.All(view.Points, p => Assert.Equal(0, p.Records));
        Assert.Equal(5, history.Read("orders", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1)).Points.Sum(p => p.Records));
    }
}
