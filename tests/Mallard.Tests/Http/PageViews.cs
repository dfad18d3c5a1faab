using System.Globalization;
using System.Text;

namespace Mallard.Tests.Http;

/// <summary>Deterministic page_views records, with the values kept for independent checks.</summary>
public sealed record PageView(Guid EventId, DateTime Ts, string UserId, string Page, string? Country, int DurationMs, long Bytes, decimal? Revenue, bool Bot, double? Score, DateOnly Day)
{
    private static readonly string[] Pages = ["/home", "/search", "/cart", "/checkout", "/help", "/about"];
    private static readonly string?[] Countries = ["DE", "FR", "US", "JP", null];

    public static List<PageView> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var views = new List<PageView>(count);
        for (var i = 0; i < count; i++)
        {
            var ts = start.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 300) / 10 * 10);
            views.Add(new PageView(
                new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 16)),
                ts,
                $"user-{random.Next(5_000)}",
                Pages[random.Next(Pages.Length)],
                Countries[random.Next(Countries.Length)],
                random.Next(0, 600_000),
                random.NextInt64(0, 5_000_000_000_000L),
                random.Next(4) == 0 ? null : random.Next(0, 10_000_000) / 100m,
                random.Next(10) == 0,
                random.Next(3) == 0 ? null : Math.Round(random.NextDouble(), 6),
                DateOnly.FromDateTime(ts)));
        }

        return views;
    }

    public string ToJson()
    {
        var json = new StringBuilder(256);
        json.Append("{\"event_id\":\"").Append(EventId.ToString("D"))
            .Append("\",\"ts\":\"").Append(Ts.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))
            .Append("\",\"user_id\":\"").Append(UserId)
            .Append("\",\"page\":\"").Append(Page).Append('"');
        if (Country is not null)
        {
            json.Append(",\"country\":\"").Append(Country).Append('"');
        }

        json.Append(",\"duration_ms\":").Append(DurationMs.ToString(CultureInfo.InvariantCulture))
            .Append(",\"bytes\":\"").Append(Bytes.ToString(CultureInfo.InvariantCulture)).Append('"')
            .Append(",\"revenue\":").Append(Revenue is { } r ? $"\"{r.ToString(CultureInfo.InvariantCulture)}\"" : "null")
            .Append(",\"bot\":").Append(Bot ? "true" : "false");
        if (Score is { } s)
        {
            json.Append(",\"score\":").Append(s.ToString("R", CultureInfo.InvariantCulture));
        }

        json.Append(",\"day\":\"").Append(Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("\"}");
        return json.ToString();
    }

    public static string JsonArray(IEnumerable<PageView> views) => "[" + string.Join(",", views.Select(v => v.ToJson())) + "]";

    public static string NdJson(IEnumerable<PageView> views) => string.Join("\n", views.Select(v => v.ToJson())) + "\n";
}
