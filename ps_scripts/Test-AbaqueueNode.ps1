<#
.SYNOPSIS
    Checks that a Windows node can run the Abaqueue agent and Abaqus jobs.

.DESCRIPTION
    Runs the pre-flight checks an Abaqus node needs before its agent is installed or after it is
    changed: PowerShell and Python versions, the Abaqus launcher given as a full path, a work
    directory that a Windows service can use (local or UNC, never a mapped drive letter) with room
    for Abaqus's 256-character path limit, and a TCP connection to the scheduler's execution port.
    When the agent is installed (InstallDir), it also runs `abaqueue-agent check` with its
    configuration: Abaqus found, the license server answering, disk room, and the scheduler accepting
    the node's token. Prints one line per check and exits 0 when every check passes, 1 otherwise.
    It changes nothing.

.PARAMETER Scheduler
    The scheduler's execution port as HOST:PORT, for example sched01.example.com:50052.

.PARAMETER AbaqusCommand
    Full path of the Abaqus launcher, for example C:\SIMULIA\Commands\abaqus.bat.

.PARAMETER WorkDir
    The directory the agent runs jobs in, one sub-directory per job.

.PARAMETER Python
    The Python interpreter the agent will use. Defaults to the `py` launcher, else `python`.

.PARAMETER InstallDir
    Where the agent is installed. Default: C:\Program Files\Abaqueue (skipped when absent).

.EXAMPLE
    .\Test-AbaqueueNode.ps1 -Scheduler sched01:50052 -AbaqusCommand C:\SIMULIA\Commands\abaqus.bat -WorkDir D:\abaqueue\work
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Scheduler,
    [Parameter(Mandatory = $true)][string]$AbaqusCommand,
    [Parameter(Mandatory = $true)][string]$WorkDir,
    [string]$Python = '',
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'Abaqueue')
)

$ErrorActionPreference = 'Stop'
$results = New-Object System.Collections.Generic.List[object]

function Add-Result {
    param([string]$Check, [bool]$Ok, [string]$Detail)
    $results.Add([pscustomobject]@{ Check = $Check; Ok = $Ok; Detail = $Detail })
}

# PowerShell 5.1 ships with every supported Windows; WinRM deployment relies on it.
$psVersion = $PSVersionTable.PSVersion
Add-Result 'PowerShell 5.1 or later' ($psVersion -ge [version]'5.1') "version $psVersion"

# Python 3.10 or later for the agent's own virtual environment.
if (-not $Python) {
    if (Get-Command py -ErrorAction SilentlyContinue) { $Python = 'py' } else { $Python = 'python' }
}
try {
    $pyVersion = & $Python -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>$null
    $pyOk = ($LASTEXITCODE -eq 0) -and ([version]$pyVersion -ge [version]'3.10')
    Add-Result 'Python 3.10 or later' $pyOk "$Python reports $pyVersion"
} catch {
    Add-Result 'Python 3.10 or later' $false "$Python not found: $($_.Exception.Message)"
}

# Abaqus is called by full path: a service does not get the interactive user's PATH.
$abaqusOk = [System.IO.Path]::IsPathRooted($AbaqusCommand) -and (Test-Path -LiteralPath $AbaqusCommand -PathType Leaf)
Add-Result 'Abaqus launcher exists (full path)' $abaqusOk $AbaqusCommand

# Services see no mapped drive letters: the work directory must be local or UNC.
$drive = Split-Path -Path $WorkDir -Qualifier -ErrorAction SilentlyContinue
$mapped = $false
if ($drive) {
    $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$drive'" -ErrorAction SilentlyContinue
    $mapped = ($null -ne $disk) -and ($disk.DriveType -eq 4)
}
Add-Result 'Work directory is local or UNC' (-not $mapped) $WorkDir

# Abaqus rejects file paths over 256 characters; leave room for a job directory and file names.
$budget = 256 - $WorkDir.Length
Add-Result 'Work directory leaves room for job paths' ($budget -ge 120) "$budget characters left of 256"

try {
    New-Item -ItemType Directory -Force -Path $WorkDir | Out-Null
    $probe = Join-Path $WorkDir ('.abaqueue-probe-' + [guid]::NewGuid().ToString('N'))
    Set-Content -LiteralPath $probe -Value 'probe'
    Remove-Item -LiteralPath $probe
    Add-Result 'Work directory is writable' $true $WorkDir
} catch {
    Add-Result 'Work directory is writable' $false $_.Exception.Message
}

# The agent only ever dials out to the scheduler's execution port.
$hostName, $port = $Scheduler -split ':', 2
if (-not $port) {
    Add-Result 'Scheduler reachable' $false "expected HOST:PORT, got '$Scheduler'"
} else {
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        $connect = $client.BeginConnect($hostName, [int]$port, $null, $null)
        $reached = $connect.AsyncWaitHandle.WaitOne(5000) -and $client.Connected
        Add-Result 'Scheduler reachable' $reached "TCP $Scheduler"
    } catch {
        Add-Result 'Scheduler reachable' $false $_.Exception.Message
    } finally {
        $client.Close()
    }
}

# The installed agent's own checks, with its configuration and token.
$agentExe = Join-Path $InstallDir 'venv\Scripts\abaqueue-agent.exe'
$agentConfig = Join-Path $env:ProgramData 'Abaqueue\agent.toml'
if ((Test-Path -LiteralPath $agentExe) -and (Test-Path -LiteralPath $agentConfig)) {
    $report = & $agentExe check --config $agentConfig --json | ConvertFrom-Json
    foreach ($c in $report.checks) { Add-Result ('agent: ' + $c.name) $c.ok $c.detail }
}

foreach ($r in $results) {
    $mark = if ($r.Ok) { 'ok  ' } else { 'FAIL' }
    Write-Output ('{0} {1}: {2}' -f $mark, $r.Check, $r.Detail)
}
if ($results | Where-Object { -not $_.Ok }) { exit 1 }
exit 0
