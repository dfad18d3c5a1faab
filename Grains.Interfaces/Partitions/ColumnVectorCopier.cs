using Orleans.Serialization.Cloning;

namespace Mallard.Partitions;

/// <summary>
/// Orleans' copier for <see cref="ColumnVector"/> (no longer generated with the hand-written
/// <see cref="ColumnVectorCodec"/>): a vector is never mutated after it is handed to a grain
/// call, so a call within one process passes it as it is.
/// </summary>
[RegisterCopier]
public sealed class ColumnVectorCopier : IDeepCopier<ColumnVector>, IOptionalDeepCopier
{
    /// <inheritdoc/>
    public ColumnVector? DeepCopy(ColumnVector? input, CopyContext context) => input;

    /// <inheritdoc/>
    public bool IsShallowCopyable() => true;
}
