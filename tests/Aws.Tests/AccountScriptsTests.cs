using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Platform.Aws.Tests;

/// <summary>
/// The scripts that act on an AWS account (eng/aws/one-time-setup.sh, eng/aws/destroy.sh), run against a stand-in `aws`
/// that records each call and plays the account's side: nothing can reach AWS from here, so the tests check what the
/// scripts ask AWS to do, in which order, and what they hand over (the key pair).
/// </summary>
public sealed class AccountScriptsTests : IDisposable
{
    private readonly string _stub = Directory.CreateTempSubdirectory("platform-aws-stub-").FullName;

    public AccountScriptsTests()
    {
        foreach (var (name, script) in new[] { ("aws", StubAws), ("npx", StubNpx), ("dotnet", StubDotnet) })
        {
            var path = Path.Combine(_stub, name);
            File.WriteAllText(path, script);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.CreateDirectory(Path.Combine(_stub, "ecr"));
    }

    public void Dispose() => Directory.Delete(_stub, recursive: true);

    private string[] Calls => File.Exists(Path.Combine(_stub, "calls.log")) ? File.ReadAllLines(Path.Combine(_stub, "calls.log")) : [];

    [Fact]
    public async Task The_one_time_setup_creates_the_ecs_service_linked_role_a_new_account_lacks()
    {
        var (exit, output) = await RunAsync("one-time-setup.sh", "dev");

        Assert.Equal(0, exit);
        Assert.Contains("iam create-service-linked-role --aws-service-name ecs.amazonaws.com", Calls);
        Assert.Contains("ECS service-linked role: created", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_one_time_setup_bootstraps_cdk_with_the_repository_s_execution_policy_not_administrator_access()
    {
        var (exit, output) = await RunAsync("one-time-setup.sh", "dev");

        Assert.True(exit == 0, output);
        var calls = Calls.ToList();
        var created = calls.FindIndex(c => c.StartsWith("iam create-policy --policy-name PlatformCloudFormationExecution ", StringComparison.Ordinal)
            && c.EndsWith($"--policy-document file://{Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "cloudformation-execution-policy.json")}", StringComparison.Ordinal));
        var bootstrap = calls.FindIndex(c => c == "npx --no-install cdk bootstrap aws://123456789012/us-east-1 --qualifier pfdev --toolkit-stack-name CDKToolkit-pfdev --cloudformation-execution-policies arn:aws:iam::123456789012:policy/PlatformCloudFormationExecution --no-notices");
        Assert.True(created >= 0 && bootstrap > created, "the policy must exist before cdk bootstrap names it");
        Assert.DoesNotContain(calls, c => c.Contains("AdministratorAccess", StringComparison.Ordinal));

        File.Delete(Path.Combine(_stub, "calls.log"));
        Assert.Equal(0, (await RunAsync("one-time-setup.sh", "dev")).Exit);
        Assert.DoesNotContain(Calls, c => c.StartsWith("iam create-policy", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev", "prod")]
    [InlineData("prod", "dev")]
    public async Task Each_stage_is_bootstrapped_under_its_own_qualifier_never_the_account_s_default(string stage, string other)
    {
        var (exit, output) = await RunAsync("one-time-setup.sh", stage);

        Assert.True(exit == 0, output);
        var bootstrap = Assert.Single(Calls, c => c.StartsWith("npx --no-install cdk bootstrap ", StringComparison.Ordinal));
        Assert.Contains($" --qualifier pf{stage} --toolkit-stack-name CDKToolkit-pf{stage} ", bootstrap, StringComparison.Ordinal);
        Assert.DoesNotContain($"pf{other}", string.Join("\n", Calls), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev", "Platform-prod")]
    [InlineData("prod", "Platform-dev")]
    public async Task The_stage_s_bootstrap_deploy_role_may_read_the_stack_s_ssm_parameters_and_not_change_the_other_stage(string stage, string otherStack)
    {
        var (exit, output) = await RunAsync("one-time-setup.sh", stage);

        Assert.True(exit == 0, output);
        var calls = Calls.ToList();
        var put = calls.FindIndex(c => c.StartsWith($"iam put-role-policy --role-name cdk-pf{stage}-deploy-role-123456789012-us-east-1 --policy-name PlatformStageDeploy --policy-document ", StringComparison.Ordinal));
        Assert.True(put > calls.FindIndex(c => c.StartsWith("npx --no-install cdk bootstrap ", StringComparison.Ordinal)), "the role exists only once cdk bootstrap made it");
        var document = JsonNode.Parse(calls[put][(calls[put].IndexOf("--policy-document ", StringComparison.Ordinal) + "--policy-document ".Length)..])!;
        var statements = document["Statement"]!.AsArray();
        var read = Assert.Single(statements, s => (string?)s!["Effect"] == "Allow")!;
        Assert.Equal(["ssm:GetParameters", "ssm:GetParameter"], read["Action"]!.AsArray().Select(a => (string)a!));
        Assert.Equal($"arn:aws:ssm:us-east-1:123456789012:parameter/Platform-{stage}/edge-signing/*", (string?)read["Resource"]);
        var deny = Assert.Single(statements, s => (string?)s!["Effect"] == "Deny")!;
        Assert.Contains("cloudformation:ExecuteChangeSet", deny["Action"]!.AsArray().Select(a => (string)a!));
        Assert.Contains($"arn:aws:cloudformation:us-east-1:123456789012:stack/{otherStack}/*", deny["Resource"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task The_dev_bootstrap_deploy_role_may_read_every_ssm_parameter_the_dev_template_resolves_at_deploy_time()
    {
        // The committed dev template (eng/aws/update-baseline.sh): CloudFormation resolves each SSM-typed parameter with
        // the change set creator's credentials, the bootstrap's deploy role.
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "baseline", "Platform-dev.template.json")))!;
        var names = template["Parameters"]!.AsObject()
            .Where(p => ((string?)p.Value!["Type"])!.StartsWith("AWS::SSM::Parameter::Value<", StringComparison.Ordinal) && p.Key != "BootstrapVersion")
            .Select(p => (string)p.Value!["Default"]!)
            .ToList();
        Assert.NotEmpty(names);

        var (exit, output) = await RunAsync("one-time-setup.sh", "dev");

        Assert.True(exit == 0, output);
        var put = Assert.Single(Calls, c => c.StartsWith("iam put-role-policy --role-name cdk-pfdev-deploy-role-", StringComparison.Ordinal));
        var document = JsonNode.Parse(put[(put.IndexOf("--policy-document ", StringComparison.Ordinal) + "--policy-document ".Length)..])!;
        var read = document["Statement"]!.AsArray().Single(s => (string?)s!["Effect"] == "Allow")!;
        var pattern = "^" + System.Text.RegularExpressions.Regex.Escape((string)read["Resource"]!).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        Assert.All(names, name => Assert.Matches(pattern, $"arn:aws:ssm:us-east-1:123456789012:parameter{name}"));
    }

    [Fact]
    public async Task Releasing_builds_and_pushes_only_the_images_whose_tag_ecr_lacks_and_reports_every_digest()
    {
        // The api image of this commit is in ECR already (a re-run, or a commit dev built before).
        File.WriteAllText(Path.Combine(_stub, "ecr", "platform_api.sha-0123456789abcdef"), ExistingDigest);

        var (exit, output, error) = await RunScriptAsync("release-images.sh", "push", WriteAssembly(), "123456789012.dkr.ecr.us-east-1.amazonaws.com", "sha-0123456789abcdef");

        Assert.True(exit == 0, error);
        var pushes = Calls.Where(c => c.StartsWith("dotnet publish ", StringComparison.Ordinal)).ToList();
        var push = Assert.Single(pushes);
        Assert.StartsWith("dotnet publish Web/Web.csproj ", push, StringComparison.Ordinal);
        Assert.Contains("-t:PublishContainer -p:ContainerRegistry=123456789012.dkr.ecr.us-east-1.amazonaws.com -p:ContainerRepository=platform/web -p:ContainerImageTags=sha-0123456789abcdef", push, StringComparison.Ordinal);
        var digests = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["ApiImageDigest", "WebImageDigest"], digests.Select(d => (string)d!["digestParameter"]!));
        Assert.Equal(ExistingDigest, (string?)digests[0]!["digest"]);
        Assert.Matches("^sha256:[0-9a-f]{64}$", (string?)digests[1]!["digest"]);

        // Running it again pushes nothing and reports the same digests.
        File.Delete(Path.Combine(_stub, "calls.log"));
        var again = await RunScriptAsync("release-images.sh", "push", WriteAssembly(), "123456789012.dkr.ecr.us-east-1.amazonaws.com", "sha-0123456789abcdef");
        Assert.Equal(0, again.Exit);
        Assert.DoesNotContain(Calls, c => c.StartsWith("dotnet ", StringComparison.Ordinal));
        Assert.Equal(digests.ToJsonString(), JsonNode.Parse(again.Output)!.ToJsonString());
    }

    [Fact]
    public async Task A_stage_tag_moves_to_the_deployed_digest_and_a_rerun_changes_nothing()
    {
        File.WriteAllText(Path.Combine(_stub, "ecr", "platform_api.prod-current"), "sha256:" + new string('1', 64));
        var digests = Path.Combine(_stub, "digests.json");
        File.WriteAllText(digests, $$"""[{"service": "api", "repository": "platform/api", "digestParameter": "ApiImageDigest", "digest": "{{ExistingDigest}}"}]""");

        var (exit, output) = await RunAsync("release-images.sh", "tag", digests, "prod-current");

        Assert.True(exit == 0, output);
        Assert.Contains(Calls, c => c.StartsWith($"ecr put-image --repository-name platform/api --image-tag prod-current --image-digest {ExistingDigest} ", StringComparison.Ordinal));
        Assert.Equal(ExistingDigest, File.ReadAllText(Path.Combine(_stub, "ecr", "platform_api.prod-current")));

        File.Delete(Path.Combine(_stub, "calls.log"));
        Assert.Equal(0, (await RunAsync("release-images.sh", "tag", digests, "prod-current")).Exit);
        Assert.DoesNotContain(Calls, c => c.StartsWith("ecr put-image", StringComparison.Ordinal));

        Assert.Equal(2, (await RunAsync("release-images.sh", "tag", digests, "sha-0123456789abcdef")).Exit);
    }

    [Fact]
    public async Task The_stack_is_deployed_with_one_digest_parameter_per_service()
    {
        var digests = Path.Combine(_stub, "digests.json");
        File.WriteAllText(digests, $$"""[{"service": "api", "repository": "platform/api", "digestParameter": "ApiImageDigest", "digest": "{{ExistingDigest}}"}]""");

        var (exit, output) = await RunAsync("release-images.sh", "parameters", digests, "Platform-prod");

        Assert.Equal(0, exit);
        Assert.Equal($"--parameters\nPlatform-prod:ApiImageDigest={ExistingDigest}\n", output);
    }

    private const string ExistingDigest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>A cloud assembly's image list (what the AppHost's publish writes beside the templates).</summary>
    private string WriteAssembly()
    {
        var assembly = Directory.CreateDirectory(Path.Combine(_stub, "assembly")).FullName;
        File.WriteAllText(Path.Combine(assembly, "images.json"), """
            [
              {"service": "api", "repository": "platform/api", "digestParameter": "ApiImageDigest", "project": "Api/Api.csproj"},
              {"service": "web", "repository": "platform/web", "digestParameter": "WebImageDigest", "project": "Web/Web.csproj"}
            ]
            """);
        return assembly;
    }

    [Fact]
    public async Task The_one_time_setup_stores_a_matching_rsa_key_pair_where_the_stack_reads_it()
    {
        var (exit, _) = await RunAsync("one-time-setup.sh", "dev");

        Assert.Equal(0, exit);
        Assert.Contains(Calls, c => c.StartsWith("secretsmanager create-secret --region us-east-1 --name Platform-dev/edge-signing/1/private-key ", StringComparison.Ordinal));
        Assert.Contains(Calls, c => c.StartsWith("ssm put-parameter --region us-east-1 --name /Platform-dev/edge-signing/1/public-key --type String ", StringComparison.Ordinal));
        // ECS needs the secret's complete ARN; the stack reads it from SSM.
        Assert.Contains(Calls, c => c.StartsWith("ssm put-parameter --region us-east-1 --name /Platform-dev/edge-signing/1/private-key-arn --type String ", StringComparison.Ordinal)
            && c.EndsWith("--value arn:aws:secretsmanager:us-east-1:123456789012:secret:Platform-dev/edge-signing/1/private-key-AbCdEf", StringComparison.Ordinal));
        using var privateKey = RSA.Create();
        privateKey.ImportFromPem(File.ReadAllText(Path.Combine(_stub, "private.pem")));
        var publicPem = File.ReadAllText(Path.Combine(_stub, "public.pem"));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", publicPem, StringComparison.Ordinal);
        Assert.Equal(2048, privateKey.KeySize);
        Assert.Equal(privateKey.ExportSubjectPublicKeyInfoPem().Trim(), publicPem.Trim());
    }

    [Fact]
    public async Task The_one_time_setup_leaves_what_exists_alone()
    {
        Assert.Equal(0, (await RunAsync("one-time-setup.sh", "dev")).Exit);
        File.Delete(Path.Combine(_stub, "calls.log"));

        var (exit, output) = await RunAsync("one-time-setup.sh", "dev");

        Assert.Equal(0, exit);
        Assert.DoesNotContain(Calls, c => c.Contains("create", StringComparison.Ordinal) || c.Contains("put-parameter", StringComparison.Ordinal));
        Assert.Contains("media signing key generation 1: exists", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destroying_dev_deletes_the_stack_then_empties_and_removes_its_retained_buckets()
    {
        var (exit, _) = await RunAsync("destroy.sh", "dev");

        Assert.Equal(0, exit);
        var calls = Calls.ToList();
        int Index(string prefix) => calls.FindIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(Index("cloudformation describe-stack-resources --stack-name Platform-dev") < Index("cloudformation delete-stack --stack-name Platform-dev"));
        Assert.True(Index("cloudformation delete-stack") < Index("cloudformation wait stack-delete-complete --stack-name Platform-dev"));
        foreach (var bucket in new[] { "platform-dev-logs", "platform-dev-media" })
        {
            var emptied = calls.FindLastIndex(c => c.StartsWith($"s3api delete-objects --bucket {bucket} ", StringComparison.Ordinal));
            var removed = calls.FindIndex(c => c == $"s3api delete-bucket --bucket {bucket}");
            Assert.True(Index("cloudformation wait") < emptied && emptied < removed, $"{bucket} must be emptied after the stack is gone and before it is removed");
            // Both the object versions and the delete markers of a versioned bucket.
            Assert.Equal(2, calls.Count(c => c.StartsWith($"s3api delete-objects --bucket {bucket} ", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task The_destroy_script_never_touches_prod()
    {
        var (exit, _) = await RunAsync("destroy.sh", "prod");

        Assert.Equal(2, exit);
        Assert.Empty(Calls);
    }

    [Fact]
    public async Task The_preflight_says_not_ready_when_a_check_crashes_even_over_a_passing_report_of_an_earlier_run()
    {
        // A copy of the repository's scripts where publishing works and the policy checks pass, but the deploy-readiness
        // checks crash before they write a report; an earlier run left reports that would read as READY.
        var root = Path.Combine(_stub, "repo");
        foreach (var file in new[] { "eng/aws/preflight.sh" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, file))!);
            File.Copy(Path.Combine(Synthesis.RepositoryRoot, file), Path.Combine(root, file));
        }

        CopyDirectory(Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", "checks"), Path.Combine(root, "eng", "aws", "checks"));
        Directory.CreateSymbolicLink(Path.Combine(root, "node_modules"), Path.Combine(Synthesis.RepositoryRoot, "node_modules"));
        var publish = Path.Combine(root, "eng", "aws", "publish.sh");
        File.WriteAllText(publish, "#!/usr/bin/env bash\nmkdir -p \"$1\" && echo '{}' > \"$1/manifest.json\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(publish, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.CreateDirectory(Path.Combine(root, "eng", "policy"));
        File.WriteAllText(Path.Combine(root, "eng", "policy", "check.mjs"), """
            import fs from "node:fs";
            fs.writeFileSync(process.argv[3], JSON.stringify({ nag: { findings: [], suppressed: [] }, guard: { findings: [], suppressed: [] } }));
            """);
        File.WriteAllText(Path.Combine(root, "eng", "aws", "checks", "run.mjs"), "throw new Error('the checks crashed');\n");
        var reports = Path.Combine(root, "artifacts", "aws");
        Directory.CreateDirectory(reports);
        File.WriteAllText(Path.Combine(reports, "preflight-dev.readiness.json"), """
            {"stage":"dev","stack":"Platform-dev","resources":1,
             "figures":{"schemaErrors":0,"rules":1,"ruleViolations":0,
               "routing":{"routes":1,"requests":1,"unreachable":0,"shadowed":0,"exposed":0,"uncached":0},
               "reachability":{"flows":1,"required":1,"forbidden":0,"failed":0},"cost":{"total":1,"budget":150,"priced":1}},
             "details":{"rules":[],"reachability":[],"cost":{"stage":"dev","region":"us-east-1","recorded":"x","total":1,"budget":150,"groups":{},"lines":[],"violations":[],"priced":1}}}
            """);

        var (exit, output) = await RunAsync(Path.Combine(root, "eng", "aws", "preflight.sh"), "dev");

        Assert.Equal(1, exit);
        Assert.Contains("NOT READY", output, StringComparison.Ordinal);
        Assert.Contains("deploy-readiness checks did not run", output, StringComparison.Ordinal);
        Assert.DoesNotContain("READY to deploy", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(reports, "preflight-dev.readiness.json")), "the earlier run's report must be gone");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }

    private async Task<(int Exit, string Output)> RunAsync(string script, params string[] arguments)
    {
        var (exit, output, error) = await RunScriptAsync(script, arguments);
        return (exit, output + error);
    }

    private async Task<(int Exit, string Output, string Error)> RunScriptAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.IsPathRooted(script) ? script : Path.Combine(Synthesis.RepositoryRoot, "eng", "aws", script), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = $"{_stub}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["STUB_DIR"] = _stub;
        start.Environment.Remove("AWS_REGION");
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    // The account's side: a role and a parameter exist once created; a bucket holds one object version and one delete
    // marker until they are deleted.
    private const string StubAws = """
        #!/usr/bin/env bash
        echo "$*" >> "$STUB_DIR/calls.log"
        files() { for a in "$@"; do case "$a" in file://*) echo "${a#file://}";; esac; done; }
        ecr() { echo "$STUB_DIR/ecr/${1//\//_}.$2"; }
        case "$1 $2" in
          "sts get-caller-identity") echo 123456789012 ;;
          "iam get-policy") [ -f "$STUB_DIR/policy" ] || { echo "NoSuchEntity" >&2; exit 254; } ;;
          "iam create-policy") touch "$STUB_DIR/policy"; echo '{}' ;;
          "ecr describe-images")
            f="$(ecr "$4" "${6#imageTag=}")"; [ -f "$f" ] || { echo "ImageNotFoundException" >&2; exit 254; }; cat "$f"; echo ;;
          "ecr batch-get-image")
            if [[ "$*" == *MediaType* ]]; then echo application/vnd.oci.image.manifest.v1+json; else echo '{"schemaVersion": 2}'; fi ;;
          "ecr put-image") printf '%s' "$8" > "$(ecr "$4" "$6")" ;;
          "iam get-role") [ -f "$STUB_DIR/role" ] || { echo "NoSuchEntity" >&2; exit 254; } ;;
          "iam create-service-linked-role") touch "$STUB_DIR/role"; echo '{}' ;;
          "iam put-role-policy") ;;
          "ssm get-parameter") [ -f "$STUB_DIR/public.pem" ] || { echo "ParameterNotFound" >&2; exit 254; } ;;
          "secretsmanager describe-secret") [ -f "$STUB_DIR/private.pem" ] || { echo "ResourceNotFoundException" >&2; exit 254; } ;;
          "secretsmanager create-secret") cp "$(files "$@")" "$STUB_DIR/private.pem"
            echo "arn:aws:secretsmanager:us-east-1:123456789012:secret:$6-AbCdEf" ;;
          "ssm put-parameter") if [ -n "$(files "$@")" ]; then cp "$(files "$@")" "$STUB_DIR/public.pem"; fi ;;
          "cloudformation describe-stack-resources") printf 'platform-dev-logs\tplatform-dev-media\n' ;;
          "cloudformation delete-stack"|"cloudformation wait") ;;
          "s3api list-object-versions")
            bucket="$4"; kind=versions; [[ "$*" == *DeleteMarkers* ]] && kind=markers
            if [ -f "$STUB_DIR/$bucket.$kind.gone" ]; then echo '{"Objects": null, "Quiet": true}'
            else echo '{"Objects": [{"Key": "k", "VersionId": "v1"}], "Quiet": true}'; fi ;;
          "s3api delete-objects")
            kind=versions; [ -f "$STUB_DIR/$4.versions.gone" ] && kind=markers
            touch "$STUB_DIR/$4.$kind.gone" ;;
          "s3api delete-bucket") ;;
          *) echo "unexpected aws $*" >&2; exit 99 ;;
        esac
        """;

    private const string StubNpx = """
        #!/usr/bin/env bash
        echo "npx $*" >> "$STUB_DIR/calls.log"
        """;

    // `dotnet publish -t:PublishContainer` pushing REPOSITORY:TAG: ECR then has the tag, with a digest of the project.
    private const string StubDotnet = """
        #!/usr/bin/env bash
        echo "dotnet $*" >> "$STUB_DIR/calls.log"
        for a in "$@"; do
          case "$a" in -p:ContainerRepository=*) repository="${a#*=}" ;; -p:ContainerImageTags=*) tag="${a#*=}" ;; esac
        done
        printf 'sha256:%s' "$(printf '%s' "$2" | sha256sum | cut -c1-64)" > "$STUB_DIR/ecr/${repository//\//_}.$tag"
        """;
}
