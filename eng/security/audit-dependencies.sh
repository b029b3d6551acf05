#!/usr/bin/env bash
# Checks the dependencies against the registries' vulnerability data:
#   eng/security/audit-dependencies.sh nuget   dotnet list package --vulnerable --include-transitive, every project
#   eng/security/audit-dependencies.sh npm     npm audit --omit=dev
# Exit 0: the registry answered and nothing is vulnerable. Exit 1: vulnerable packages (listed). Exit 77: the registry
# served here does not answer vulnerability queries, so nothing can be said either way (eng/test.sh counts it as
# skipped, with this script's last line as the reason). It never passes silently: before trusting a "no vulnerable
# packages", the NuGet check makes sure the source reports a package that is known to be vulnerable.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

# A package with a published advisory (GHSA-ghhp-997w-qr28 / CVE-2021-26701, remote code execution): any source with
# vulnerability data reports it. It is restored into a throw-away project, never into the solution.
CANARY_PACKAGE=System.Text.Encodings.Web
CANARY_VERSION=4.5.0

nuget() {
  local probe; probe="$(mktemp -d)"
  trap 'rm -rf "$probe"' RETURN
  cat >"$probe/probe.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <NoWarn>NU1510;NU1903;NU1904</NoWarn>
  </PropertyGroup>
  <ItemGroup><PackageReference Include="$CANARY_PACKAGE" Version="$CANARY_VERSION" /></ItemGroup>
</Project>
PROJECT
  # The probe sits outside the repository (no Directory.Build.props), but uses the same NuGet configuration.
  cp "$ROOT"/[Nn]u[Gg]et.[Cc]onfig "$probe/" 2>/dev/null || true
  if ! dotnet restore "$probe/probe.csproj" >"$probe/restore.log" 2>&1; then
    cat "$probe/restore.log"
    echo "The NuGet source could not restore the probe package $CANARY_PACKAGE $CANARY_VERSION: cannot check for vulnerable packages."
    return 77
  fi
  local canary; canary="$(dotnet list "$probe/probe.csproj" package --vulnerable 2>&1)"
  echo "$canary"
  if ! grep -q "$CANARY_PACKAGE" <<<"$canary"; then
    echo "NOT CHECKED: the NuGet source(s) configured here serve no vulnerability data (the known-vulnerable $CANARY_PACKAGE $CANARY_VERSION is reported clean), so 'dotnet list package --vulnerable' cannot find anything. Run this check where nuget.org's VulnerabilityInfo resource is reachable."
    return 77
  fi

  local report; report="$(dotnet list Platform.sln package --vulnerable --include-transitive 2>&1)"
  local status=$?
  echo "$report"
  [ $status -eq 0 ] || { echo "dotnet list package --vulnerable failed (exit $status)."; return 1; }
  if grep -q "has the following vulnerable packages" <<<"$report"; then
    echo "Vulnerable NuGet packages: see above. Move them to fixed versions in Directory.Packages.props."
    return 1
  fi
  echo "No vulnerable NuGet packages (the source's vulnerability data reports the probe package, so it was consulted)."
}

npm_audit() {
  local out; out="$(npm audit --omit=dev --json 2>/dev/null)"
  local status=$?
  echo "$out" | head -c 4000; echo
  if [ $status -eq 0 ]; then
    echo "npm audit --omit=dev: no vulnerabilities."
    return 0
  fi
  # An audit report lists what it found; anything else is the registry refusing the question.
  if node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(r.metadata && r.vulnerabilities ? 0 : 1)' <<<"$out" 2>/dev/null; then
    echo "npm audit --omit=dev found vulnerable packages (above). Update them in package.json/package-lock.json."
    return 1
  fi
  echo "NOT CHECKED: the npm registry configured here ($(npm config get registry)) does not answer audit requests ($(node -e 'try { const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.message || r.error?.summary || "no report") } catch { console.log("no report") }' <<<"$out")). Run this check where the registry's advisory endpoint is reachable."
  return 77
}

case "${1:-}" in
  nuget) nuget ;;
  npm) npm_audit ;;
  *) echo "usage: $0 nuget|npm" >&2; exit 2 ;;
esac
