using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Platform.AppHost.Tests;

/// <summary>
/// Every relative link in README.md and docs/*.md leads somewhere: the file it names exists, and an <c>#anchor</c> names a
/// heading of that file as GitHub renders it. A reader who follows a link from the guide must never land on nothing.
/// </summary>
public sealed class DocumentationLinkTests
{
    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        foreach (var page in MarkdownLinks.Pages(MarkdownLinks.RepositoryRoot))
        {
            pages.Add(Path.GetRelativePath(MarkdownLinks.RepositoryRoot, page).Replace('\\', '/'));
        }

        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_of_the_page_resolves(string page)
    {
        var broken = MarkdownLinks.Broken(Path.Combine(MarkdownLinks.RepositoryRoot, page));

        Assert.True(broken.Count == 0, $"{page} has links that lead nowhere:\n{string.Join("\n", broken)}");
    }

    [Fact]
    public void The_guide_and_its_pages_are_found()
    {
        var pages = MarkdownLinks.Pages(MarkdownLinks.RepositoryRoot).Select(p => Path.GetFileName(p)).ToList();

        Assert.Contains("README.md", pages);
        Assert.Contains("architecture.md", pages);
    }

    [Fact]
    public void A_link_to_a_missing_file_or_heading_is_reported()
    {
        var folder = Directory.CreateTempSubdirectory("doc-links-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "other.md"), "# Other\n\n## The edge: CloudFront, VPC origin, WAF\n\n## Setup\n\n## Setup\n");
            File.WriteAllText(Path.Combine(folder, "page.md"), """
                # Page

                ## `eng/run.sh` — how to *run* it

                [fine](other.md#the-edge-cloudfront-vpc-origin-waf) [fine too](#engrunsh--how-to-run-it) [second setup](other.md#setup-1)
                [gone](missing.md) [no heading](other.md#nowhere) [not here](#nowhere) ![picture](missing.png)
                [web](https://example.com/x.md) [mail](mailto:someone@example.com)

                ```bash
                [inside a code block](ignored.md)
                ```
                """);

            var broken = MarkdownLinks.Broken(Path.Combine(folder, "page.md"));

            Assert.Equal(new[] { "missing.md", "other.md#nowhere", "#nowhere", "missing.png" }, broken.Select(b => b.Split(' ')[0]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("The edge: CloudFront, VPC origin, WAF", "the-edge-cloudfront-vpc-origin-waf")]
    [InlineData("Release: build once, promote by digest", "release-build-once-promote-by-digest")]
    [InlineData("`eng/run.sh` and `eng/test.sh`", "engrunsh-and-engtestsh")]
    [InlineData("Alarms → what to do", "alarms--what-to-do")]
    [InlineData("[Linked](other.md) heading_with_underscore", "linked-heading_with_underscore")]
    public void Headings_get_githubs_anchors(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownLinks.Slug(heading));
}

/// <summary>
/// The links of a Markdown page and the anchors of its headings. Written here because the check needs only GitHub's
/// slug rule and the inline-link syntax the docs use, and the Markdown parsers on the package feed render HTML rather
/// than report links with their targets.
/// </summary>
internal static partial class MarkdownLinks
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>README.md and every page under docs/.</summary>
    public static IReadOnlyList<string> Pages(string root) =>
        [Path.Combine(root, "README.md"), .. Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>Each relative link of the page that leads nowhere, as "target (why)".</summary>
    public static List<string> Broken(string page)
    {
        var broken = new List<string>();
        foreach (var target in Links(File.ReadAllText(page)))
        {
            if (IsExternal(target))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                broken.Add($"{target} (no such file)");
            }
            else if (anchor is not null && !Anchors(File.ReadAllText(file)).Contains(anchor))
            {
                broken.Add($"{target} (no such heading in {Path.GetFileName(file)})");
            }
        }

        return broken;
    }

    /// <summary>The targets of inline links and images, outside code blocks and code spans.</summary>
    public static IEnumerable<string> Links(string markdown) =>
        Prose(markdown).SelectMany(line => InlineLink().Matches(CodeSpan().Replace(line, "")).Select(m => m.Groups["target"].Value));

    /// <summary>The anchors GitHub gives the page's headings; a repeated heading gets -1, -2, … in order.</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Prose(markdown))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count.ToString(CultureInfo.InvariantCulture)}");
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's heading anchor: the heading's text as rendered (links become their text, code spans and emphasis lose
    /// their marks), lower-cased, every character other than a letter, digit, mark, space, hyphen or underscore removed,
    /// and each space turned into a hyphen.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading, m => m.Groups["text"].Value).Replace("`", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c is '-' or '_' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    private static bool IsExternal(string target) => UriScheme().IsMatch(target);

    /// <summary>The page's lines outside fenced code blocks.</summary>
    private static IEnumerable<string> Prose(string markdown)
    {
        string? fence = null;
        foreach (var line in markdown.Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
            }
            else if (fence is not null && trimmed.StartsWith(fence, StringComparison.Ordinal))
            {
                fence = null;
            }
            else if (fence is null)
            {
                yield return line;
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Platform.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex UriScheme();
}
