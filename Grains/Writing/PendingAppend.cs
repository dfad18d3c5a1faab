using System.Diagnostics;
using Mallard.Partitions;

namespace Mallard.Grains.Writing;

/// <summary>One append waiting for its partition's writer.</summary>
/// <param name="Batch">The rows.</param>
/// <param name="Completion">Completed with the batch's receipt or refusal when its group commit ends.</param>
/// <param name="Span">The batch's <c>mallard.partition.append</c> span, ended with the commit.</param>
/// <param name="Enqueued">When it was queued (<see cref="Stopwatch.GetTimestamp"/>).</param>
public sealed record PendingAppend(RecordBatch Batch, TaskCompletionSource<PartitionReceipt> Completion, Activity? Span, long Enqueued);
