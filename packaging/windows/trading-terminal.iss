; Inno Setup 6.3+ script: installs the PyInstaller one-folder app with a Start-menu entry (and an optional desktop
; icon) for the current user (no administrator rights needed; an administrator can choose all users).
; Built by packaging\windows\build.ps1, which passes the defines below:
;   ISCC /DAppVersion=0.1.0 /DAppDir=..\out\dist\trading-terminal /DOutputDir=..\out
;        /DIconFile=..\out\icons\trading-terminal.ico [/DSign "/Ssigntool=signtool.exe sign ... $f"] trading-terminal.iss
; Signing: with /DSign, ISCC runs the "signtool" command given by /Ssigntool on the installer and the uninstaller
; (see build.ps1: signtool.exe from the Windows SDK, SHA-256, RFC 3161 timestamp).
; Not built or run on the Linux machine the rest of the packaging is tested on: a recipe, run by
; .github/workflows/release.yml on a Windows runner.

#ifndef AppVersion
  #error Pass /DAppVersion=<version> (build.ps1 reads it from pyproject.toml)
#endif
#ifndef AppDir
  #define AppDir "..\out\dist\trading-terminal"
#endif
#ifndef OutputDir
  #define OutputDir "..\out"
#endif
#ifndef IconFile
  #define IconFile "..\out\icons\trading-terminal.ico"
#endif

[Setup]
; AppId identifies the application for upgrades and uninstall: never change it
AppId={{66066F3B-A835-43E4-A173-811D72DC8901}
AppName=Trading Terminal
AppVersion={#AppVersion}
AppVerName=Trading Terminal {#AppVersion}
AppPublisher=Trading Terminal developers
DefaultDirName={autopf}\Trading Terminal
DefaultGroupName=Trading Terminal
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=trading-terminal-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\trading-terminal.exe
UninstallDisplayName=Trading Terminal {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; the whole one-folder build: trading-terminal.exe (windowed), trading-terminal-cli.exe (console) and _internal\
Source: "{#AppDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade replaces the bundled libraries rather than mixing two versions' files
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\Trading Terminal"; Filename: "{app}\trading-terminal.exe"; WorkingDir: "{app}"
Name: "{group}\Uninstall Trading Terminal"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Trading Terminal"; Filename: "{app}\trading-terminal.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\trading-terminal.exe"; Description: "{cm:LaunchProgram,Trading Terminal}"; Flags: nowait postinstall skipifsilent
