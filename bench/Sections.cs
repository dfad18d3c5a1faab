namespace Mallard.Bench;

/// <summary>Replaces one benchmark's section of BENCHMARKS.md, between <c>&lt;!-- bench:NAME --&gt;</c> markers.</summary>
public static class Sections
{
    public static void Write(string root, string name, IReadOnlyList<string> lines, string heading = "")
    {
        var begin = $"<!-- bench:{name} -->";
        var end = $"<!-- /bench:{name} -->";
        var path = Path.Combine(root, "BENCHMARKS.md");
        var existing = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var section = begin + "\n" + string.Join("\n", lines) + "\n" + end;
        var start = existing.IndexOf(begin, StringComparison.Ordinal);
        var stop = existing.IndexOf(end, StringComparison.Ordinal);
        var updated = start >= 0 && stop > start
            ? existing[..start] + section + existing[(stop + end.Length)..]
            : existing.TrimEnd() + $"\n\n## {(heading.Length > 0 ? heading : name)}\n\n" + section + "\n";
        File.WriteAllText(path, updated);
        Console.WriteLine($"\nwritten to {path}");
    }
}
