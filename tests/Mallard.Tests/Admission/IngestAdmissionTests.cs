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

        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("a", 10));
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("a", 10));
        Assert.Equal(AdmissionResult.ClientBusy, admission.TryEnter("a", 10));
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("b", 10));
        Assert.Equal(3, admission.InFlight);
    }

    [Fact]
    public void TryEnter_beyond_the_gateway_limit_is_gateway_busy_until_a_slot_is_released()
    {
        var admission = Create(total: 2, perClient: 5);
        admission.TryEnter("a", 10);
        admission.TryEnter("b", 10);

        Assert.Equal(AdmissionResult.GatewayBusy, admission.TryEnter("c", 10));
        admission.Leave("a", 10);
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("c", 10));
    }

    [Fact]
    public void TryEnter_beyond_the_body_budget_is_gateway_busy_but_a_lone_large_body_is_admitted()
    {
        var admission = Create(total: 10, perClient: 10, bytes: 1_000);

        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("a", 5_000));
        Assert.Equal(AdmissionResult.GatewayBusy, admission.TryEnter("b", 10));
        admission.Leave("a", 5_000);
        Assert.Equal(AdmissionResult.Admitted, admission.TryEnter("b", 600));
        Assert.Equal(AdmissionResult.GatewayBusy, admission.TryEnter("c", 600));
        Assert.Equal(1, admission.InFlight);
    }
}
