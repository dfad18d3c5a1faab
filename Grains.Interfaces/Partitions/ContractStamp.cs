namespace Mallard.Partitions;

/// <summary>
/// The contract a call was validated against: its version and the hash of the dataset's definition.
/// A partition holding a different definition refuses the call, so nothing is ever written or read
/// under a contract it was not validated against (for example during a rolling upgrade).
/// </summary>
[GenerateSerializer, Immutable, Alias("mallard.ContractStamp")]
public sealed record ContractStamp(
    [property: Id(0)] int Version,
    [property: Id(1)] string DatasetHash);
