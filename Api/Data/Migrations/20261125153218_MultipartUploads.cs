using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class MultipartUploads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "multipart_part_size",
                table: "media_items",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "multipart_upload_id",
                table: "media_items",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "multipart_part_size",
                table: "media_items");

            migrationBuilder.DropColumn(
                name: "multipart_upload_id",
                table: "media_items");
        }
    }
}
