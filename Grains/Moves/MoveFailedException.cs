namespace Mallard.Grains.Moves;

/// <summary>A move step that found something wrong; the move stops and the partition stays on its source.</summary>
public sealed class MoveFailedException(string step, string message) : Exception(message)
{
    /// <summary>The step that failed (copy, verify, catch_up, seal, switch): the reason label of the failure metric.</summary>
    public string Step => step;
}
