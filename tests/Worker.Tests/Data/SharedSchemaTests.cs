using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Platform.Api.Data;
using Platform.Worker.Data;

namespace Platform.Worker.Tests.Data;

/// <summary>
/// The Worker writes to tables the Api owns. Both models apply the same configurations (<c>SharedTables</c>), and this
/// test holds them to it: every table, column and key the Worker maps must be the Api's, with the same store type,
/// nullability and length — a column renamed or retyped on one side only (an override in one DbContext) fails here.
/// A change to the shared configuration itself fails the Api's migration test (<c>SchemaTests</c>) until a migration
/// follows it.
/// </summary>
public sealed class SharedSchemaTests
{
    private const string NeverConnected = "Host=never-connected";

    [Fact]
    public void Every_table_and_column_the_worker_maps_is_the_apis_with_the_same_type_nullability_and_length()
    {
        var worker = WorkerModel();
        var api = ApiModel();

        Assert.NotEmpty(worker.Tables);
        foreach (var table in worker.Tables)
        {
            var apiTable = api.FindTable(table.Name, table.Schema);
            Assert.True(apiTable is not null, $"The Worker maps table '{table.Name}', which the Api's model does not have.");
            Assert.Equal(Describe(apiTable.PrimaryKey), Describe(table.PrimaryKey));
            foreach (var column in table.Columns)
            {
                var apiColumn = apiTable.FindColumn(column.Name);
                Assert.True(apiColumn is not null, $"The Worker maps column '{table.Name}.{column.Name}', which the Api's model does not have.");
                Assert.Equal(Describe(apiColumn), Describe(column));
            }
        }
    }

    [Fact]
    public void Every_property_the_worker_maps_is_stored_in_the_same_column_and_form_as_the_apis()
    {
        using var workerDb = NewWorkerDb();
        using var apiDb = NewApiDb();

        foreach (var entity in workerDb.Model.GetEntityTypes())
        {
            var apiEntity = apiDb.Model.FindEntityType(entity.ClrType);
            Assert.True(apiEntity is not null, $"The Worker maps {entity.ClrType.Name}, which the Api's model does not.");
            Assert.Equal(apiEntity.GetTableName(), entity.GetTableName());
            foreach (var property in entity.GetProperties())
            {
                var apiProperty = apiEntity.FindProperty(property.Name);
                Assert.True(apiProperty is not null, $"The Worker maps {entity.ClrType.Name}.{property.Name}, which the Api's model does not.");
                Assert.Equal(
                    (apiProperty.GetColumnName(), apiProperty.GetColumnType(), apiProperty.GetMaxLength(), apiProperty.GetValueConverter()?.ProviderClrType),
                    (property.GetColumnName(), property.GetColumnType(), property.GetMaxLength(), property.GetValueConverter()?.ProviderClrType));
            }
        }
    }

    [Fact]
    public void The_worker_maps_the_media_and_ping_tables_it_writes()
    {
        Assert.Equal(["media_items", "pings"], WorkerModel().Tables.Select(t => t.Name).Order());
    }

    private static string Describe(IColumn column) =>
        $"{column.Table.Name}.{column.Name} {column.StoreType} {(column.IsNullable ? "null" : "not null")} max {column.MaxLength?.ToString() ?? "-"}";

    private static string Describe(IPrimaryKeyConstraint? key) =>
        key is null ? "no key" : $"{key.Name} ({string.Join(", ", key.Columns.Select(c => c.Name))})";

    private static IRelationalModel WorkerModel()
    {
        using var db = NewWorkerDb();
        return db.Model.GetRelationalModel();
    }

    private static IRelationalModel ApiModel()
    {
        using var db = NewApiDb();
        return db.Model.GetRelationalModel();
    }

    private static WorkerDbContext NewWorkerDb() =>
        new(new DbContextOptionsBuilder<WorkerDbContext>().UseNpgsql(NeverConnected).Options);

    private static PlatformDbContext NewApiDb() =>
        new(new DbContextOptionsBuilder<PlatformDbContext>().UseNpgsql(NeverConnected).Options);
}
