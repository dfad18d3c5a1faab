using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Reads: a query runs on a pooled reader connection, i.e. on a committed snapshot. Readers share
/// the shard's DuckDB instance and its <c>memory_limit</c> with the writer, so at most
/// <see cref="ShardOptions.MaxConcurrentQueries"/> run at once, and a write that runs out of memory
/// while queries run interrupts them and tries once more: writes win, queries are retried.
/// </summary>
public sealed partial class Shard
{
    private readonly ConcurrentDictionary<RunningQuery, byte> _runningQueries = new();
    private SemaphoreSlim? _querySlots;
    private int _noScanQueries;
    private int _rowHintQueries;
    private int _rowHintMisses;
    private int _interruptedInDuckDb;

    private SemaphoreSlim QuerySlots => LazyInitializer.EnsureInitialized(ref _querySlots, () => new SemaphoreSlim(_options.MaxConcurrentQueries));

    /// <summary>
    /// Waits for one of the shard's query slots (as long as <paramref name="cancellationToken"/>
    /// allows), then runs <see cref="Query"/> on the thread pool.
    /// </summary>
    public async Task<PartialResult> QueryAsync(PartitionQuery query, CancellationToken cancellationToken = default)
    {
        if (CountFromCommittedRows(query) is { } counted)
        {
            return counted;
        }

        // Keys older than the index's newest may be looked up in its runs on disk: not on the caller's thread.
        var (answered, hintedRows) = _storedKeys is { RunCount: > 0 } ? await Task.Run(() => LookUpStoredKeys(query)) : LookUpStoredKeys(query);
        if (answered is not null)
        {
            return answered;
        }

        try
        {
            await QuerySlots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw Interrupted();
        }

        try
        {
            return await Task.Run(() => hintedRows.Length == 0 ? Query(query, cancellationToken) : QueryHintedRows(query, hintedRows, cancellationToken), CancellationToken.None);
        }
        finally
        {
            QuerySlots.Release();
        }
    }

    /// <summary>
    /// Runs a query on its own connection, i.e. on a committed snapshot. Cancelling
    /// <paramref name="cancellationToken"/> interrupts the statement in DuckDB; the reader goes
    /// back to the pool and the query fails with <c>query_timeout</c>.
    /// </summary>
    public PartialResult Query(PartitionQuery query, CancellationToken cancellationToken = default) => Query(query, rowid: null, cancellationToken);

    // A point lookup whose key the stored-key index places at a row: that row is read alone. An empty answer
    // proves nothing (a hash shared with another key, or a row that fails another filter), so
    // the query then scans like any other.
    private PartialResult QueryHintedRows(PartitionQuery query, long[] rowids, CancellationToken cancellationToken)
    {
        foreach (var rowid in rowids)
        {
            var hinted = Query(query, rowid, cancellationToken);
            if (hinted.RowCount > 0)
            {
                Interlocked.Increment(ref _rowHintQueries);
                return hinted;
            }
        }

        Interlocked.Increment(ref _rowHintMisses);
        return Query(query, rowid: null, cancellationToken);
    }

    private PartialResult Query(PartitionQuery query, long? rowid, CancellationToken cancellationToken)
    {
        var (sql, parameters, columns) = ShardSql.Build(_dataset, query, _options.MaxGroupsPerPartition, rowid);
        using var lease = OpenReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        var builders = columns.Select(c => new ColumnVectorBuilder(c.Type.Kind)).ToArray();
        var running = new RunningQuery(command);
        _runningQueries[running] = 0;
        try
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw Interrupted();
            }

            using var interrupt = cancellationToken.Register(command.Cancel);
            running.ThrowIfPreempted();
            using var reader = command.ExecuteReader();
            var rows = 0;
            var first = true;
            while (reader.Read())
            {
                if (first && AfterFirstQueryRow is { } hook)
                {
                    first = false;
                    hook(() => running.Preempted);
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    throw Interrupted();
                }

                running.ThrowIfPreempted();
                if (query.IsAggregate && ++rows > _options.MaxGroupsPerPartition)
                {
                    throw new PartitionException(
                        ErrorCodes.TooManyGroups,
                        $"partition {Partition} of '{_dataset.Name}' has more than {_options.MaxGroupsPerPartition} groups; filter or group more coarsely");
                }

                for (var c = 0; c < builders.Length; c++)
                {
                    DuckDbValues.Read(reader, c, builders[c]);
                }
            }
        }
        catch (Exception e) when (running.Preempted && e is DuckDBException or OperationCanceledException)
        {
            throw new PartitionException(
                ErrorCodes.QueryPreempted,
                $"the query on partition {Partition} of '{_dataset.Name}' was interrupted so that a write could have the shard's memory (Mallard:Shards:MemoryLimitMb); retry it, or narrow it");
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is DuckDBException or OperationCanceledException)
        {
            // Our own checks throw the refusal directly: what lands here came out of DuckDB.
            Interlocked.Increment(ref _interruptedInDuckDb);
            throw Interrupted();
        }
        catch (DuckDBException e) when (DuckDbErrors.IsOutOfMemory(e))
        {
            throw new PartitionException(
                ErrorCodes.QueryTooLarge,
                $"the query on partition {Partition} of '{_dataset.Name}' needs more memory than the shard has (Mallard:Shards:MemoryLimitMb, spilling up to Mallard:Shards:TempDirectoryLimitMb): {DisplayText.FirstLine(e.Message)}");
        }
        catch (DuckDBException e) when (DuckDbErrors.IsOverflow(e))
        {
            throw new PartitionException(ErrorCodes.SumOverflow, $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type: {DisplayText.FirstLine(e.Message)}");
        }
        catch (OverflowException)
        {
            throw new PartitionException(ErrorCodes.SumOverflow, $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type");
        }
        finally
        {
            _runningQueries.TryRemove(running, out _);
            running.Finished.TrySetResult();
        }

        var vectors = builders.Select(b => b.Build()).ToArray();
        return new PartialResult(Partition, columns, vectors, vectors.Length == 0 ? 0 : vectors[0].Count);
    }

    /// <summary>
    /// An unfiltered, ungrouped count of rows is the shard's committed row count: no reader, no
    /// scan. It is the count as of the last commit, a snapshot like any query's.
    /// </summary>
    private PartialResult? CountFromCommittedRows(PartitionQuery query)
    {
        if (query.Filters.Length > 0 || query.GroupBy.Length > 0 || query.Aggregates.Length == 0
            || query.Aggregates.Any(a => a.Function != AggregateFunction.Count || a.Column is not null))
        {
            return null;
        }

        var (_, _, columns) = ShardSql.Build(_dataset, query, _options.MaxGroupsPerPartition);
        if (columns.Any(c => c.Type.Kind != ColumnKind.Int64))
        {
            return null;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var rows = Volatile.Read(ref _rowCount);
        var vectors = columns.Select(_ =>
        {
            var builder = new ColumnVectorBuilder(ColumnKind.Int64, 1);
            builder.AppendInt64(rows);
            return builder.Build();
        }).ToArray();
        return new PartialResult(Partition, columns, vectors, 1);
    }

    /// <summary>
    /// A query that pins the whole record key (<c>eq</c> or <c>in</c> on every key column) matches
    /// nothing here when none of the pinned keys' hashes is in the shard's stored-key index: answered
    /// empty without a scan. A point lookup fans out to every partition (keys are not the
    /// partitioning) and all but the one holding the key skip their scan. A hash hit proves
    /// nothing and runs the query; when a row query pins one stored key, the index's rowid gives
    /// the row to read first (the rowids returned). The index gains a batch's hashes after
    /// its commit and before its acknowledgement, so a query started after an ingest was
    /// acknowledged sees its keys.
    /// </summary>
    private (PartialResult? Answer, long[] HintedRows) LookUpStoredKeys(PartitionQuery query)
    {
        if (_storedKeys is not { } stored || query.Filters.Length == 0)
        {
            return (null, []);
        }

        if (PinnedValues.Find(query, _dataset.KeyOrdinals.Select(o => _dataset.Columns[o])) is not { } pinned)
        {
            return (null, []);
        }

        var rows = Volatile.Read(ref _rowCount);
        var hits = 0;
        var rowid = -1L;
        foreach (var key in pinned.EachCombination())
        {
            if (stored.TryFind(RecordKey.Hash(key, 0), out var found) && ++hits == 1)
            {
                rowid = found;
            }
        }

        if (hits > 0)
        {
            // Keys are unique in the shard, so one row found for one pinned key is the whole answer.
            var readFirst = hits == 1 && !query.IsAggregate && query.Limit > 0 && ShardSql.HasRowIds(_dataset) && rowid >= 0 && rowid < rows;
            return (null, readFirst ? [rowid] : []);
        }

        // An aggregate without groups answers one row even over no rows (count 0, sum null):
        // left to DuckDB rather than built here.
        if (query.IsAggregate && query.GroupBy.Length == 0)
        {
            return (null, []);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var (_, _, columns) = ShardSql.Build(_dataset, query, _options.MaxGroupsPerPartition);
        var vectors = columns.Select(c => new ColumnVectorBuilder(c.Type.Kind).Build()).ToArray();
        Interlocked.Increment(ref _noScanQueries);
        return (new PartialResult(Partition, columns, vectors, 0), []);
    }

    /// <summary>Test seam: queries answered empty from the stored-key index, without a scan.</summary>
    internal int NoScanQueries => Volatile.Read(ref _noScanQueries);

    /// <summary>Test seam: point lookups answered by reading the row the stored-key index named.</summary>
    internal int RowHintQueries => Volatile.Read(ref _rowHintQueries);

    /// <summary>Test seam: point lookups whose named rows did not answer them, and that scanned.</summary>
    internal int RowHintMisses => Volatile.Read(ref _rowHintMisses);

    /// <summary>Test seam: queries whose cancellation stopped DuckDB itself (not a loop after DuckDB had finished).</summary>
    internal int QueriesInterruptedInDuckDb => Volatile.Read(ref _interruptedInDuckDb);

    /// <summary>
    /// Interrupts every running query and waits (briefly) until they have let go of their memory.
    /// Called by the writer when a commit ran out of memory; returns how many were interrupted.
    /// </summary>
    private int PreemptQueries()
    {
        var running = _runningQueries.Keys.ToArray();
        foreach (var query in running)
        {
            query.Preempt();
        }

        Task.WaitAll([.. running.Select(q => q.Finished.Task)], TimeSpan.FromSeconds(5));
        return running.Length;
    }

    private PartitionException Interrupted() =>
        new(ErrorCodes.QueryTimeout, $"the query on partition {Partition} of '{_dataset.Name}' was interrupted: it ran past the gateway's query timeout, or its client went away");

    private sealed class RunningQuery(DuckDBCommand command)
    {
        private volatile bool _preempted;

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Preempted => _preempted;

        public void Preempt()
        {
            _preempted = true;
            command.Cancel();
        }

        public void ThrowIfPreempted()
        {
            if (_preempted)
            {
                throw new OperationCanceledException("preempted by a write");
            }
        }
    }
}
