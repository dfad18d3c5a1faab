namespace Mallard.Contract;

/// <summary>A malformed contract file; the message names the file, line and problem.</summary>
public sealed class ContractException(string file, long line, long column, string problem)
    : Exception($"{file}:{line}:{column}: {problem}")
{
    /// <summary>The contract file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line of the problem.</summary>
    public long Line { get; } = line;

    /// <summary>1-based column of the problem.</summary>
    public long Column { get; } = column;

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; } = problem;
}
