namespace Mallard.Grains;

/// <summary>
/// A point every partition writer passes before it takes its next group from the queue. Open by
/// default; tests close it to hold writers and make group commit observable without timing.
/// </summary>
public sealed class CommitGate
{
    private volatile TaskCompletionSource _open = CompletedSource();

    /// <summary>Waits while the gate is closed.</summary>
    public Task PassAsync() => _open.Task;

    /// <summary>Closes the gate until the returned handle is disposed.</summary>
    public IDisposable Close()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _open = closed;
        return new Reopen(this, closed);
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    private sealed class Reopen(CommitGate gate, TaskCompletionSource closed) : IDisposable
    {
        public void Dispose()
        {
            gate._open = CompletedSource();
            closed.TrySetResult();
        }
    }
}
