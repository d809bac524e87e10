<#
.SYNOPSIS
    Installs the Abaqueue agent on a Windows node as a service that restarts on failure.

.DESCRIPTION
    Creates a virtual environment for the agent under InstallDir, installs the abaqueue wheel into
    it (with pywin32), copies the agent's TOML configuration and the node's token to
    C:\ProgramData\Abaqueue (readable by Administrators, SYSTEM and the service account only, named
    by their SIDs so that a localised Windows grants the same), registers the AbaqueueAgent service
    with automatic start, sets its account and password through Win32_Service.Change (never on a
    command line), sets its recovery actions (restart after 1 minute, three times, counter reset
    daily), grants the account the right to log on as a service, and starts it. Running it again on
    an installed node reinstalls in place: the service is stopped first, and running Abaqus jobs
    carry on (the agent takes them up again when it starts).

.PARAMETER Wheel
    Path of the abaqueue wheel on this node, for example C:\Temp\abaqueue-0.1.0-py3-none-any.whl.

.PARAMETER ConfigFile
    Path of the agent's TOML configuration on this node; it is copied to ProgramData.

.PARAMETER TokenFile
    Path of a file holding the node's token (role node); copied next to the configuration. The
    configuration's token_file should name C:\ProgramData\Abaqueue\node.token.

.PARAMETER ServiceAccount
    The account the service runs as, for example CAE\svc-abaqus or .\svc-abaqus. It needs access to
    the license server and the work directory. Default: LocalSystem.

.PARAMETER ServicePassword
    The account's password, as a SecureString. Not needed for LocalSystem. It is handed to the service
    manager through Win32_Service.Change, never on a command line.

.PARAMETER InstallDir
    Where the agent's virtual environment lives. Default: C:\Program Files\Abaqueue.

.PARAMETER Python
    The Python 3.10+ interpreter to create the environment with. Default: the py launcher, else python.

.EXAMPLE
    $pw = Read-Host -AsSecureString 'svc-abaqus password'
    .\Install-AbaqueueAgent.ps1 -Wheel C:\Temp\abaqueue-0.1.0-py3-none-any.whl -ConfigFile C:\Temp\agent.toml -TokenFile C:\Temp\node.token -ServiceAccount CAE\svc-abaqus -ServicePassword $pw
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Wheel,
    [Parameter(Mandatory = $true)][string]$ConfigFile,
    [string]$TokenFile = '',
    [string]$ServiceAccount = '',
    [System.Security.SecureString]$ServicePassword = $null,
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'Abaqueue'),
    [string]$Python = ''
)

$ErrorActionPreference = 'Stop'
$ServiceName = 'AbaqueueAgent'
$DataDir = Join-Path $env:ProgramData 'Abaqueue'
$Venv = Join-Path $InstallDir 'venv'
$VenvPython = Join-Path $Venv 'Scripts\python.exe'

function Invoke-Checked {
    param([string]$What, [scriptblock]$Command)
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE" }
}

foreach ($file in @($Wheel, $ConfigFile)) {
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { throw "not found: $file" }
}
if ($ServiceAccount -and -not $ServicePassword) { throw 'ServicePassword is needed with ServiceAccount' }
if (-not $Python) {
    if (Get-Command py -ErrorAction SilentlyContinue) { $Python = 'py' } else { $Python = 'python' }
}

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing -and $existing.Status -ne 'Stopped') {
    Write-Output "stopping $ServiceName (running Abaqus jobs carry on)"
    Stop-Service -Name $ServiceName -Force
}

Write-Output "creating the agent's environment in $Venv"
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
if (-not (Test-Path -LiteralPath $VenvPython)) {
    Invoke-Checked 'creating the virtual environment' { & $Python -m venv $Venv }
}
Invoke-Checked 'pip install' { & $VenvPython -m pip install --upgrade $Wheel 'pywin32>=306' }
Invoke-Checked 'pywin32 post-install' { & $VenvPython -m pywin32_postinstall -install }

Write-Output "configuration in $DataDir"
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
Copy-Item -LiteralPath $ConfigFile -Destination (Join-Path $DataDir 'agent.toml') -Force
if ($TokenFile) { Copy-Item -LiteralPath $TokenFile -Destination (Join-Path $DataDir 'node.token') -Force }

# Only Administrators, SYSTEM and the service account may read the configuration and the token.
# Well-known SIDs, not names: on a localised Windows the groups are called otherwise.
$sid = $null
if ($ServiceAccount) {
    $sid = (New-Object System.Security.Principal.NTAccount($ServiceAccount)).Translate(
        [System.Security.Principal.SecurityIdentifier]).Value
}
$grants = @('*S-1-5-32-544:(OI)(CI)F', '*S-1-5-18:(OI)(CI)F')
if ($sid) { $grants += "*${sid}:(OI)(CI)M" }
Invoke-Checked 'setting permissions' {
    icacls.exe $DataDir /inheritance:r /grant:r @grants | Out-Null
}

Write-Output "registering the $ServiceName service"
$verb = if ($existing) { 'update' } else { 'install' }
Invoke-Checked "service $verb" { & $VenvPython -m node_agent.windows_service --startup auto $verb }
[Environment]::SetEnvironmentVariable('ABAQUEUE_AGENT_CONFIG', (Join-Path $DataDir 'agent.toml'), 'Machine')

if ($ServiceAccount) {
    # The account and its password go to the service manager through WMI, inside this process:
    # never on a command line (sc.exe's or pywin32's password option would show it to process
    # listings and audit logs).
    $plain = [System.Net.NetworkCredential]::new('', $ServicePassword).Password
    try {
        $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'"
        $changed = Invoke-CimMethod -InputObject $service -MethodName Change -Arguments @{
            StartName = $ServiceAccount; StartPassword = $plain
        }
    } finally {
        $plain = $null
    }
    if ($changed.ReturnValue -ne 0) {
        throw "setting the service's account failed: Win32_Service.Change returned $($changed.ReturnValue)"
    }
}

if ($ServiceAccount) {
    # The right to log on as a service, added to the local security policy.
    $export = Join-Path $env:TEMP 'abaqueue-secpol.inf'
    $database = Join-Path $env:TEMP 'abaqueue-secpol.sdb'
    Invoke-Checked 'secedit export' { secedit.exe /export /cfg $export /areas USER_RIGHTS | Out-Null }
    $lines = Get-Content -LiteralPath $export
    $right = $lines | Where-Object { $_ -like 'SeServiceLogonRight*' }
    if (-not $right) {
        $lines += "SeServiceLogonRight = *$sid"
    } elseif ($right -notlike "*$sid*") {
        $lines = $lines -replace '^SeServiceLogonRight = (.*)$', ('SeServiceLogonRight = $1,*' + $sid)
    }
    Set-Content -LiteralPath $export -Value $lines -Encoding Unicode
    Invoke-Checked 'secedit configure' {
        secedit.exe /configure /db $database /cfg $export /areas USER_RIGHTS | Out-Null
    }
    Remove-Item -LiteralPath $export, $database -ErrorAction SilentlyContinue
}

# Restart after a failure: 1 minute, three times; the failure count resets after a day.
Invoke-Checked 'recovery actions' {
    sc.exe failure $ServiceName reset= 86400 actions= restart/60000/restart/60000/restart/60000 | Out-Null
}
Invoke-Checked 'recovery on non-crash failures' { sc.exe failureflag $ServiceName 1 | Out-Null }

Start-Service -Name $ServiceName
Write-Output "$ServiceName is $((Get-Service -Name $ServiceName).Status)"
Invoke-Checked 'abaqueue-agent check' {
    & (Join-Path $Venv 'Scripts\abaqueue-agent.exe') check --config (Join-Path $DataDir 'agent.toml')
}
