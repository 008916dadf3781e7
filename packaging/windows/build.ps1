# Windows recipe: the PyInstaller one-folder app from the shared spec (packaging\trading-terminal.spec), then an
# Inno Setup installer with a Start-menu entry (packaging\windows\trading-terminal.iss).
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#     -> packaging\out\trading-terminal-<version>-setup.exe
# Needs: Python 3.11 (PYTHON=<path> or `python` on PATH), Inno Setup 6.3+ (ISCC.exe; `choco install innosetup`).
#
# Signing (optional): set SIGN_PFX (a code-signing certificate, .pfx) and SIGN_PASSWORD. signtool.exe from the
# Windows SDK then signs trading-terminal.exe and trading-terminal-cli.exe before they are packed, and ISCC signs
# the installer and its uninstaller with the same command (SHA-256 digests, RFC 3161 timestamp). Check with
#   signtool verify /pa /v packaging\out\trading-terminal-<version>-setup.exe
# With a certificate in a hardware token or a cloud HSM, replace the "/f ... /p ..." part with its own options
# (e.g. "/sha1 <thumbprint>" for a certificate in the Windows store).
#
# Not run on the Linux machine the rest of the packaging is tested on: .github/workflows/release.yml runs it on a
# Windows runner and then installs the result silently and runs the installed app's --self-test.
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $PSScriptRoot           # packaging\
$root = Split-Path -Parent $here
$out = Join-Path $here "out"
$python = if ($env:PYTHON) { $env:PYTHON } else { "python" }

function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed (exit $LASTEXITCODE)" } }

$version = & $python -c "import tomllib;print(tomllib.load(open(r'$root\pyproject.toml','rb'))['project']['version'])"
Check "reading the version"
New-Item -ItemType Directory -Force $out | Out-Null
if (-not (Test-Path "$out\venv\Scripts\python.exe")) { & $python -m venv "$out\venv"; Check "venv" }
$venv = "$out\venv\Scripts\python.exe"
& $venv -m pip install -q $root "pyinstaller==6.22.3"; Check "pip install"
& $venv "$here\icons.py" "$out\icons"; Check "icons"
Remove-Item -Recurse -Force "$out\dist", "$out\build" -ErrorAction SilentlyContinue
& $venv -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$out\dist" --workpath "$out\build" `
    "$here\trading-terminal.spec"
Check "PyInstaller"
$app = "$out\dist\trading-terminal"
$printed = & "$app\trading-terminal-cli.exe" --version
Check "the frozen app's --version"
if ($printed -ne "trading-terminal $version") { throw "the frozen app printed '$printed'" }

$iscc_args = @("/DAppVersion=$version", "/DAppDir=$app", "/DOutputDir=$out", "/DIconFile=$out\icons\trading-terminal.ico")
if ($env:SIGN_PFX) {
    $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
        Sort-Object FullName | Select-Object -Last 1 -ExpandProperty FullName
    if (-not $signtool) { throw "signtool.exe not found (install the Windows SDK)" }
    $sign = @("sign", "/fd", "sha256", "/tr", "http://timestamp.digicert.com", "/td", "sha256",
              "/f", $env:SIGN_PFX, "/p", $env:SIGN_PASSWORD)
    & $signtool @sign "$app\trading-terminal.exe" "$app\trading-terminal-cli.exe"; Check "signtool"
    # ISCC's form of the same command: $q is a quote, $f the file to sign
    $iscc_args += "/DSign"
    $iscc_args += "/Ssigntool=`$q$signtool`$q sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /f `$q$($env:SIGN_PFX)`$q /p $($env:SIGN_PASSWORD) `$f"
}
$iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe") |
    Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $iscc) { throw "ISCC.exe not found: install Inno Setup 6.3+ (choco install innosetup)" }
& $iscc /Q @iscc_args "$PSScriptRoot\trading-terminal.iss"; Check "ISCC"
Write-Host "built $out\trading-terminal-$version-setup.exe"
