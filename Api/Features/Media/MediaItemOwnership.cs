using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Api.Features.Accounts;
using Platform.Data;

namespace Platform.Api.Features.Media;

/// <summary>
/// The part of <c>media_items</c> only the Api's model knows (the columns are in <see cref="MediaItemConfiguration"/>):
/// every item has an owner. The Identity API endpoints offer no account deletion; should one be added, it must remove
/// the owner's objects too (the rows follow by cascade).
/// </summary>
internal sealed class MediaItemOwnershipConfiguration : IEntityTypeConfiguration<MediaItem>
{
    public void Configure(EntityTypeBuilder<MediaItem> builder) =>
        builder.HasOne<PlatformUser>().WithMany().HasForeignKey(m => m.OwnerId).OnDelete(DeleteBehavior.Cascade);
}
