using Mallard.Api;
using Mallard.Api.Admission;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.Admission;

public sealed class IngestAdmissionTests
{
    private static IngestAdmission Create(int total = 3, int perClient = 2, long bytes = 1_000) =>
        new(Options.Create(new GatewayOptions { MaxConcurrentRequests = total, MaxConcurrentRequestsPerClient = perClient, MaxInFlightBodyBytes = bytes }));

    [Fact]
    public void TryEnter_beyond_the_per_client_limit_is_client_busy_while_others_still_get_in()
    {
        var admission = Create();

        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("a"));
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("a"));
        Assert.Equal(AdmissionResult.ClientBusy, admission.TryEnter("a"));
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("b"));
        Assert.Equal(3, admission.InFlight);
    }

    [Fact]
    public void TryEnter_beyond_the_gateway_limit_is_gateway_busy_until_a_slot_is_released()
    {
        var admission = Create(total: 2, perClient: 5);
        admission.TryEnter("a");
        admission.TryEnter("b");

        Assert.Equal(AdmissionResult.GatewayBusy, admission.TryEnter("c"));
        admission.Leave("a");
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("c"));
    }

    [Fact]
    public void TryReserveBytes_beyond_the_budget_is_refused_but_a_lone_large_body_is_taken()
    {
        var admission = Create(total: 10, perClient: 10, bytes: 1_000);

        Assert.True(admission.TryReserveBytes(5_000));
        Assert.False(admission.TryReserveBytes(10));
        admission.ReleaseBytes(5_000);
        Assert.True(admission.TryReserveBytes(600));
        Assert.False(admission.TryReserveBytes(600));
        Assert.Equal(600, admission.InFlightBytes);
    }

    [Fact]
    public void TryReserveBytes_in_chunks_stops_at_the_chunk_that_passes_the_budget()
    {
        var admission = Create(bytes: 1_000);
        Assert.True(admission.TryReserveBytes(400));

        var taken = 0;
        while (admission.TryReserveBytes(100))
        {
            taken += 100;
        }

        Assert.Equal(600, taken);
        Assert.Equal(1_000, admission.InFlightBytes);
        Assert.Equal(0, admission.InFlight);
    }
}
