using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Api.Data.Migrations
{
    /// <summary>
    /// What each service's database role may do, granted by the schema's owner (the role this migration runs as): the
    /// Api reads and writes the rows of every table (and of every table made later), the read-only connection reads them,
    /// the Worker reads and updates the two tables it maps and sees nothing else (no Identity tables, no outbox). None of
    /// them owns a table or may create one, so none can drop, alter or add to the schema. Nobody but the owner touches
    /// the migration history.
    /// </summary>
    /// <remarks>
    /// The roles are created where they are missing: locally the AppHost creates them first, with passwords; on RDS the
    /// master user running this creates them without one and grants them <c>rds_iam</c>, so they sign in with IAM tokens
    /// only. The names are the contract with the AppHost (AppHost/Hosting/Postgres/PostgresHosting.cs).
    /// </remarks>
    [DbContext(typeof(PlatformDbContext))]
    [Migration("20261202160000_ServiceRoles")]
    public partial class ServiceRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$
                DECLARE r text;
                BEGIN
                  FOREACH r IN ARRAY ARRAY['platform_api', 'platform_worker', 'platform_reader'] LOOP
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
                      EXECUTE format('CREATE ROLE %I LOGIN', r);
                    END IF;
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
                      EXECUTE format('GRANT rds_iam TO %I', r);
                    END IF;
                  END LOOP;
                END $$;

                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                GRANT USAGE ON SCHEMA public TO platform_api, platform_worker, platform_reader;

                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO platform_api;
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO platform_api;
                GRANT SELECT ON ALL TABLES IN SCHEMA public TO platform_reader;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO platform_api;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO platform_api;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO platform_reader;
                REVOKE ALL ON "__EFMigrationsHistory" FROM platform_api, platform_reader;

                GRANT SELECT, UPDATE ON media_items, pings TO platform_worker;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                REVOKE ALL ON media_items, pings FROM platform_worker;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM platform_api, platform_reader;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM platform_api;
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM platform_api, platform_reader;
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM platform_api;
                REVOKE USAGE ON SCHEMA public FROM platform_api, platform_worker, platform_reader;
                """);
        }
    }
}
