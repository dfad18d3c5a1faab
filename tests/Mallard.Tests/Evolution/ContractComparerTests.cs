using Mallard.Contract;

namespace Mallard.Tests.Evolution;

public sealed class ContractComparerTests
{
    private const string Base = """
        version: 1
        datasets:
          orders:
            key: [id]
            partition_by: [customer]
            partitions: 4
            time: at
            columns:
              id:       { type: int64 }
              customer: { type: string }
              at:       { type: timestamp }
              qty:      { type: int32 }
              price:    { type: "decimal(10,2)" }
              note:     { type: string, nullable: true }
        """;

    [Theory]
    [InlineData("add nullable column", "      note:     { type: string, nullable: true }", "      note:     { type: string, nullable: true }\n      coupon:   { type: string, nullable: true }", ChangeClass.Compatible, "add nullable column 'coupon'")]
    [InlineData("add required column", "      note:     { type: string, nullable: true }", "      note:     { type: string, nullable: true }\n      coupon:   { type: string }", ChangeClass.Breaking, "add required column 'coupon'")]
    [InlineData("widen int32 to int64", "qty:      { type: int32 }", "qty:      { type: int64 }", ChangeClass.Compatible, "widen column 'qty' from int32 to int64")]
    [InlineData("widen int32 to float64", "qty:      { type: int32 }", "qty:      { type: float64 }", ChangeClass.Compatible, "widen column 'qty' from int32 to float64")]
    [InlineData("widen decimal precision", "decimal(10,2)", "decimal(14,2)", ChangeClass.Compatible, "widen column 'price' from decimal(10,2) to decimal(14,2)")]
    [InlineData("change decimal scale", "decimal(10,2)", "decimal(10,3)", ChangeClass.Breaking, "changes type from decimal(10,2) to decimal(10,3)")]
    [InlineData("narrow int64", "id:       { type: int64 }", "id:       { type: int32 }", ChangeClass.Breaking, "changes type from int64 to int32")]
    [InlineData("make required column nullable", "qty:      { type: int32 }", "qty:      { type: int32, nullable: true }", ChangeClass.Compatible, "make column 'qty' nullable")]
    [InlineData("make nullable column required", "note:     { type: string, nullable: true }", "note:     { type: string }", ChangeClass.Breaking, "becomes required")]
    [InlineData("drop column", "      note:     { type: string, nullable: true }", "", ChangeClass.Breaking, "column 'note' was removed or renamed without a migration")]
    [InlineData("rename column", "note:", "remark:", ChangeClass.Breaking, "column 'note' was removed or renamed without a migration")]
    [InlineData("change key", "key: [id]", "key: [id, customer]", ChangeClass.Breaking, "key changes")]
    [InlineData("change partitions", "partitions: 4", "partitions: 8", ChangeClass.Breaking, "re-partitioning is not supported")]
    [InlineData("change partition_by", "partition_by: [customer]", "partition_by: [id]", ChangeClass.Breaking, "re-partitioning is not supported")]
    [InlineData("change time column", "    time: at\n", "", ChangeClass.Compatible, "time column changes")]
    public void Compare_classifies_each_kind_of_change(string what, string find, string replace, ChangeClass expected, string description)
    {
        var proposed = Base.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Base.Replace("version: 1", "version: 2", StringComparison.Ordinal), proposed);

        var changes = ContractComparer.Compare(Parse(Base), Parse(proposed));

        var change = Assert.Single(changes, c => c.Description.Contains(description, StringComparison.Ordinal));
        Assert.True(change.Class == expected, $"{what}: expected {expected}, got {change.Class} ({change.Description})");
    }

    [Fact]
    public void Compare_rename_drop_and_cast_with_migrations_are_breaking_with_migration()
    {
        var proposed = Base
            .Replace("version: 1", "version: 4", StringComparison.Ordinal)
            .Replace("note:", "remark:", StringComparison.Ordinal)
            .Replace("      price:    { type: \"decimal(10,2)\" }\n", "", StringComparison.Ordinal)
            .Replace("id:       { type: int64 }", "id:       { type: string }", StringComparison.Ordinal)
            + """

            migrations:
              - version: 2
                dataset: orders
                rename_column: { from: note, to: remark }
              - version: 3
                dataset: orders
                drop_column: { name: price, acknowledge_data_loss: true }
              - version: 4
                dataset: orders
                change_type: { column: id, to: string }
            """;

        var changes = ContractComparer.Compare(Parse(Base), Parse(proposed));

        Assert.Equal(
            [(ChangeClass.Migration, "rename column note to remark (migration v2)"),
             (ChangeClass.Migration, "drop column price, acknowledging data loss (migration v3)"),
             (ChangeClass.Migration, "change column id to string by cast (migration v4)")],
            changes.Select(c => (c.Class, c.Description)));
    }

    [Fact]
    public void Compare_migration_older_than_the_current_version_is_already_applied_and_ignored()
    {
        var current = Base.Replace("version: 1", "version: 5", StringComparison.Ordinal) + "\nmigrations:\n  - version: 3\n    dataset: orders\n    drop_column: { name: gone, acknowledge_data_loss: true }\n";
        var proposed = current.Replace("version: 5", "version: 6", StringComparison.Ordinal);

        Assert.Empty(ContractComparer.Compare(Parse(current), Parse(proposed)));
    }

    [Fact]
    public void Compare_changed_definition_without_a_version_bump_is_breaking()
    {
        var proposed = Base.Replace("      note:     { type: string, nullable: true }", "      note:     { type: string, nullable: true }\n      extra:    { type: bool, nullable: true }", StringComparison.Ordinal);

        var changes = ContractComparer.Compare(Parse(Base), Parse(proposed));

        Assert.Contains(changes, c => c.Class == ChangeClass.Breaking && c.Description.Contains("version did not increase", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_added_and_removed_datasets_are_classified()
    {
        var withAudit = Base.Replace("version: 1", "version: 2", StringComparison.Ordinal) + "\n" + """
              audit:
                key: [id]
                partition_by: [id]
                partitions: 1
                columns:
                  id: { type: uuid }
            """;

        Assert.Equal([(ChangeClass.Compatible, "add dataset 'audit'")], ContractComparer.Compare(Parse(Base), Parse(withAudit)).Select(c => (c.Class, c.Description)));
        Assert.Contains(ContractComparer.Compare(Parse(withAudit), Parse(Base.Replace("version: 1", "version: 3", StringComparison.Ordinal))),
            c => c.Class == ChangeClass.Breaking && c.Description == "dataset 'audit' was removed; its data would be orphaned");
    }

    [Fact]
    public void Compare_descriptions_only_is_no_change()
    {
        var proposed = Base.Replace("    time: at\n", "    description: Orders.\n    time: at\n", StringComparison.Ordinal);

        Assert.Empty(ContractComparer.Compare(Parse(Base), Parse(proposed)));
    }

    [Theory]
    [InlineData("drop_column: { name: gone }", "acknowledge_data_loss: true")]
    [InlineData("drop_column: { name: qty, acknowledge_data_loss: true }", "still declared")]
    [InlineData("rename_column: { from: note, to: nothere }", "is not declared")]
    [InlineData("change_type: { column: qty, to: int64 }", "must be declared in the dataset with type int64")]
    public void Parse_invalid_migration_is_refused_with_its_line(string action, string problem)
    {
        var yaml = Base.Replace("version: 1", "version: 2", StringComparison.Ordinal) + $"\nmigrations:\n  - version: 2\n    dataset: orders\n    {action}\n";

        var error = Assert.Throws<ContractException>(() => Parse(yaml));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 14, error.Message);
    }

    private static ContractDefinition Parse(string yaml) => ContractLoader.Parse(yaml, "schema.yaml");
}
