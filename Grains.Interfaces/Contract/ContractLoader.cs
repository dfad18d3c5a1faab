using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mallard.Contract;

/// <summary>
/// Reads <c>schema.yaml</c> strictly: unknown keys, unknown types, missing or duplicate names and
/// malformed identifiers are errors that name the file, line and problem.
/// </summary>
public static partial class ContractLoader
{
    /// <summary>Upper bound on partitions per dataset; each one is a shard file.</summary>
    public const int MaxPartitions = 4096;

    private static readonly string[] TopLevelKeys = ["version", "datasets", "migrations"];
    private static readonly string[] MigrationKeys = ["version", "dataset", "rename_column", "drop_column", "change_type"];
    private static readonly string[] DatasetKeys = ["description", "key", "partition_by", "partitions", "time", "dedup_window", "columns"];
    private static readonly string[] ColumnKeys = ["type", "nullable", "description"];

    /// <summary>Loads and validates a contract file.</summary>
    /// <exception cref="ContractException">The file is missing or malformed.</exception>
    public static ContractDefinition LoadFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!System.IO.File.Exists(fullPath))
        {
            throw new ContractException(fullPath, 0, 0, "contract file not found");
        }

        return Parse(System.IO.File.ReadAllText(fullPath), fullPath);
    }

    /// <summary>Parses and validates contract text; <paramref name="file"/> is used in error messages.</summary>
    /// <exception cref="ContractException">The text is malformed.</exception>
    public static ContractDefinition Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ContractException(file, e.Start.Line, e.Start.Column, DisplayText.FirstLine(e.Message));
        }

        if (stream.Documents.Count != 1)
        {
            throw new ContractException(file, 1, 1, "expected exactly one YAML document");
        }

        var reader = new Reader(file);
        var root = reader.Mapping(stream.Documents[0].RootNode, "the contract");
        reader.RejectUnknownKeys(root, TopLevelKeys, "the contract");

        var versionNode = reader.Required(root, "version", "the contract");
        var version = reader.Integer(versionNode, "version");
        if (version < 1)
        {
            throw reader.Error(versionNode, $"version must be a positive integer, got {version}");
        }

        var datasetsNode = reader.Mapping(reader.Required(root, "datasets", "the contract"), "datasets");
        if (datasetsNode.Children.Count == 0)
        {
            throw reader.Error(datasetsNode, "datasets must declare at least one dataset");
        }

        var datasets = new Dictionary<string, DatasetDefinition>(StringComparer.Ordinal);
        foreach (var (nameNode, body) in datasetsNode.Children)
        {
            var name = reader.Identifier(nameNode, "dataset name");
            datasets.Add(name, ParseDataset(reader, name, body));
        }

        var migrations = reader.Optional(root, "migrations") is { } migrationsNode
            ? ParseMigrations(reader, migrationsNode, (int)version, datasets)
            : [];
        return new ContractDefinition((int)version, datasets, file, migrations);
    }

    private static List<MigrationDefinition> ParseMigrations(Reader reader, YamlNode node, int contractVersion, Dictionary<string, DatasetDefinition> datasets)
    {
        if (node is not YamlSequenceNode sequence)
        {
            throw reader.Error(node, "migrations must be a list");
        }

        var migrations = new List<MigrationDefinition>();
        foreach (var item in sequence.Children)
        {
            var entry = reader.Mapping(item, "a migration");
            reader.RejectUnknownKeys(entry, MigrationKeys, "a migration");
            var versionNode = reader.Required(entry, "version", "a migration");
            var version = reader.Integer(versionNode, "migration version");
            if (version < 1 || version > contractVersion)
            {
                throw reader.Error(versionNode, $"migration version {version} must be between 1 and the contract version {contractVersion}");
            }

            var datasetNode = reader.Required(entry, "dataset", "a migration");
            var datasetName = reader.Identifier(datasetNode, "migration dataset");
            if (!datasets.TryGetValue(datasetName, out var dataset))
            {
                throw reader.Error(datasetNode, $"migration names dataset '{datasetName}', which is not declared");
            }

            var actions = new[] { "rename_column", "drop_column", "change_type" }.Where(k => reader.Optional(entry, k) is not null).ToArray();
            if (actions.Length != 1)
            {
                throw reader.Error(entry, "a migration must have exactly one of rename_column, drop_column, change_type");
            }

            var action = reader.Mapping(reader.Optional(entry, actions[0])!, actions[0]);
            var where = $"migration v{version} of '{datasetName}'";
            MigrationDefinition migration;
            switch (actions[0])
            {
                case "rename_column":
                    reader.RejectUnknownKeys(action, ["from", "to"], where);
                    var from = reader.Identifier(reader.Required(action, "from", where), "rename_column from");
                    var toNode = reader.Required(action, "to", where);
                    var to = reader.Identifier(toNode, "rename_column to");
                    if (!dataset.TryGetColumn(to, out _))
                    {
                        throw reader.Error(toNode, $"{where}: renamed column '{to}' is not declared in the dataset");
                    }

                    migration = new MigrationDefinition((int)version, datasetName, MigrationKind.RenameColumn, from, to, null, item.Start.Line);
                    break;
                case "drop_column":
                    reader.RejectUnknownKeys(action, ["name", "acknowledge_data_loss"], where);
                    var nameNode = reader.Required(action, "name", where);
                    var name = reader.Identifier(nameNode, "drop_column name");
                    if (dataset.TryGetColumn(name, out _))
                    {
                        throw reader.Error(nameNode, $"{where}: dropped column '{name}' is still declared in the dataset");
                    }

                    var acknowledged = reader.Optional(action, "acknowledge_data_loss") is { } ack && reader.Boolean(ack, "acknowledge_data_loss");
                    if (!acknowledged)
                    {
                        throw reader.Error(action, $"{where}: dropping '{name}' deletes its data; say so with acknowledge_data_loss: true");
                    }

                    migration = new MigrationDefinition((int)version, datasetName, MigrationKind.DropColumn, name, null, null, item.Start.Line);
                    break;
                default:
                    reader.RejectUnknownKeys(action, ["column", "to"], where);
                    var columnNode = reader.Required(action, "column", where);
                    var columnName = reader.Identifier(columnNode, "change_type column");
                    var typeNode = reader.Required(action, "to", where);
                    if (!ColumnType.TryParse(reader.Scalar(typeNode, "change_type to"), out var newType, out var typeError))
                    {
                        throw reader.Error(typeNode, $"{where}: {typeError}");
                    }

                    if (!dataset.TryGetColumn(columnName, out var changed) || changed.Type != newType)
                    {
                        throw reader.Error(columnNode, $"{where}: column '{columnName}' must be declared in the dataset with type {newType}");
                    }

                    migration = new MigrationDefinition((int)version, datasetName, MigrationKind.ChangeType, columnName, null, newType, item.Start.Line);
                    break;
            }

            migrations.Add(migration);
        }

        return migrations.OrderBy(m => m.Version).ToList();
    }

    private static DatasetDefinition ParseDataset(Reader reader, string name, YamlNode node)
    {
        var where = $"dataset '{name}'";
        var body = reader.Mapping(node, where);
        reader.RejectUnknownKeys(body, DatasetKeys, where);

        var columnsNode = reader.Mapping(reader.Required(body, "columns", where), $"{where} columns");
        if (columnsNode.Children.Count == 0)
        {
            throw reader.Error(columnsNode, $"{where} must declare at least one column");
        }

        var columns = new List<ColumnDefinition>();
        foreach (var (columnNameNode, columnBody) in columnsNode.Children)
        {
            var columnName = reader.Identifier(columnNameNode, "column name");
            var columnWhere = $"column '{name}.{columnName}'";
            var column = reader.Mapping(columnBody, columnWhere);
            reader.RejectUnknownKeys(column, ColumnKeys, columnWhere);
            var typeNode = reader.Required(column, "type", columnWhere);
            if (!ColumnType.TryParse(reader.Scalar(typeNode, $"{columnWhere} type"), out var type, out var typeError))
            {
                throw reader.Error(typeNode, $"{columnWhere}: {typeError}");
            }

            var nullable = reader.Optional(column, "nullable") is { } nullableNode && reader.Boolean(nullableNode, $"{columnWhere} nullable");
            var columnDescription = reader.Optional(column, "description") is { } d ? reader.Scalar(d, $"{columnWhere} description") : null;
            columns.Add(new ColumnDefinition(columnName, type, nullable, columns.Count, columnDescription));
        }

        var byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);

        var keyNode = reader.Required(body, "key", where);
        var key = reader.ColumnList(keyNode, $"{where} key", byName);
        foreach (var keyColumn in key)
        {
            if (byName[keyColumn].Nullable)
            {
                throw reader.Error(keyNode, $"{where}: key column '{keyColumn}' must not be nullable");
            }
        }

        var partitionByNode = reader.Required(body, "partition_by", where);
        var partitionBy = reader.ColumnList(partitionByNode, $"{where} partition_by", byName);

        var partitionsNode = reader.Required(body, "partitions", where);
        var partitions = reader.Integer(partitionsNode, $"{where} partitions");
        if (partitions < 1 || partitions > MaxPartitions)
        {
            throw reader.Error(partitionsNode, $"{where}: partitions must be between 1 and {MaxPartitions}, got {partitions}");
        }

        string? time = null;
        if (reader.Optional(body, "time") is { } timeNode)
        {
            time = reader.Identifier(timeNode, $"{where} time column");
            if (!byName.TryGetValue(time, out var timeColumn))
            {
                throw reader.Error(timeNode, $"{where}: time column '{time}' is not a declared column");
            }

            if (timeColumn.Type.Kind != ColumnKind.Timestamp)
            {
                throw reader.Error(timeNode, $"{where}: time column '{time}' must be a timestamp, but is {timeColumn.Type}");
            }
        }

        var description = reader.Optional(body, "description") is { } descriptionNode
            ? reader.Scalar(descriptionNode, $"{where} description")
            : null;

        TimeSpan? dedupWindow = null;
        if (reader.Optional(body, "dedup_window") is { } windowNode)
        {
            var text = reader.Scalar(windowNode, $"{where} dedup_window");
            var match = DurationPattern().Match(text);
            if (!match.Success || long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) == 0)
            {
                throw reader.Error(windowNode, $"{where}: dedup_window '{text}' must be a positive duration such as 90s, 30m, 12h or 7d");
            }

            if (time is null)
            {
                throw reader.Error(windowNode, $"{where}: dedup_window needs a time column to measure the window on");
            }

            var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            dedupWindow = match.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        return new DatasetDefinition(name, description, columns, key, partitionBy, (int)partitions, time, dedupWindow);
    }

    [GeneratedRegex("^([0-9]{1,6})(s|m|h|d)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    internal static partial Regex IdentifierPattern();

    /// <summary>Whether <paramref name="text"/> is a valid contract identifier.</summary>
    public static bool IsIdentifier(string text) => text.Length <= 63 && IdentifierPattern().IsMatch(text);

    private sealed class Reader(string file)
    {
        public ContractException Error(YamlNode node, string problem) =>
            new(file, node.Start.Line, node.Start.Column, problem);

        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

        public string Scalar(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } value } ? value : throw Error(node, $"{what} must be a scalar value");

        public YamlNode Required(YamlMappingNode mapping, string key, string where) =>
            Optional(mapping, key) ?? throw Error(mapping, $"{where} is missing required key '{key}'");

        public YamlNode? Optional(YamlMappingNode mapping, string key) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        public void RejectUnknownKeys(YamlMappingNode mapping, string[] allowed, string where)
        {
            foreach (var keyNode in mapping.Children.Keys)
            {
                var key = Scalar(keyNode, $"a key of {where}");
                if (Array.IndexOf(allowed, key) < 0)
                {
                    throw Error(keyNode, $"unknown key '{key}' in {where} (allowed: {string.Join(", ", allowed)})");
                }
            }
        }

        public long Integer(YamlNode node, string what)
        {
            var text = Scalar(node, what);
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error(node, $"{what} must be an integer, got '{text}'");
        }

        public bool Boolean(YamlNode node, string what) => Scalar(node, what) switch
        {
            "true" => true,
            "false" => false,
            var other => throw Error(node, $"{what} must be true or false, got '{other}'"),
        };

        public string Identifier(YamlNode node, string what)
        {
            var text = Scalar(node, what);
            return IsIdentifier(text)
                ? text
                : throw Error(node, $"{what} '{text}' is not a valid identifier (expected [a-z][a-z0-9_]*, at most 63 characters)");
        }

        public IReadOnlyList<string> ColumnList(YamlNode node, string what, Dictionary<string, ColumnDefinition> columns)
        {
            if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
            {
                throw Error(node, $"{what} must be a non-empty list of column names");
            }

            var names = new List<string>();
            foreach (var item in sequence.Children)
            {
                var name = Identifier(item, $"{what} entry");
                if (!columns.ContainsKey(name))
                {
                    throw Error(item, $"{what} names column '{name}', which is not declared");
                }

                if (names.Contains(name, StringComparer.Ordinal))
                {
                    throw Error(item, $"{what} names column '{name}' twice");
                }

                names.Add(name);
            }

            return names;
        }
    }
}
