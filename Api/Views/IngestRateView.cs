namespace Mallard.Api.Views;

/// <summary>The answer to <c>GET /v1/datasets/{dataset}/ingest-rate</c>: this gateway's recent ingest of one dataset.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="StepSeconds">Seconds per point.</param>
/// <param name="From">The start of the first point (UTC).</param>
/// <param name="To">The end of the last point (UTC, a whole second).</param>
/// <param name="Points">One point per step, oldest first; steps without traffic are zeros.</param>
public sealed record IngestRateView(string Dataset, int StepSeconds, DateTimeOffset From, DateTimeOffset To, IngestRatePoint[] Points);
