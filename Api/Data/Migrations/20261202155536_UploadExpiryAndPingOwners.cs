using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class UploadExpiryAndPingOwners : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "owner_id",
                table: "pings",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "upload_expires_at",
                table: "media_items",
                type: "timestamp with time zone",
                nullable: true);

            // Items still pending got URLs valid for Media:UploadUrlLifetime (15 minutes unless configured otherwise):
            // they expire then, and are swept once the grace has passed. Other items never expire.
            migrationBuilder.Sql("UPDATE media_items SET upload_expires_at = created_at + interval '15 minutes' WHERE status = 'pending';");

            migrationBuilder.CreateIndex(
                name: "IX_media_items_upload_expires_at",
                table: "media_items",
                column: "upload_expires_at",
                filter: "status = 'pending'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_media_items_upload_expires_at",
                table: "media_items");

            migrationBuilder.DropColumn(
                name: "owner_id",
                table: "pings");

            migrationBuilder.DropColumn(
                name: "upload_expires_at",
                table: "media_items");
        }
    }
}
