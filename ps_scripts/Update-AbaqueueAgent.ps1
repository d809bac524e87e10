<#
.SYNOPSIS
    Updates the Abaqueue agent on a Windows node to a new wheel, without losing running jobs.

.DESCRIPTION
    Stops the AbaqueueAgent service (running Abaqus solvers carry on), installs the new wheel into
    the agent's virtual environment, optionally replaces the configuration, and starts the service
    again; the agent then takes up the jobs it had in hand from its state file. Runs
    `abaqueue-agent check` at the end and exits 1 when a check fails.

.PARAMETER Wheel
    Path of the new abaqueue wheel on this node.

.PARAMETER ConfigFile
    A new agent TOML configuration to put in place; default: keep the current one.

.PARAMETER InstallDir
    Where the agent's virtual environment lives. Default: C:\Program Files\Abaqueue.

.EXAMPLE
    .\Update-AbaqueueAgent.ps1 -Wheel C:\Temp\abaqueue-0.2.0-py3-none-any.whl
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Wheel,
    [string]$ConfigFile = '',
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'Abaqueue')
)

$ErrorActionPreference = 'Stop'
$ServiceName = 'AbaqueueAgent'
$DataDir = Join-Path $env:ProgramData 'Abaqueue'
$VenvPython = Join-Path $InstallDir 'venv\Scripts\python.exe'

if (-not (Test-Path -LiteralPath $VenvPython)) { throw "no agent installed in $InstallDir: run Install-AbaqueueAgent.ps1" }
if (-not (Test-Path -LiteralPath $Wheel -PathType Leaf)) { throw "not found: $Wheel" }

Write-Output "stopping $ServiceName (running Abaqus jobs carry on)"
Stop-Service -Name $ServiceName -Force

& $VenvPython -m pip install --upgrade $Wheel
if ($LASTEXITCODE -ne 0) {
    Start-Service -Name $ServiceName
    throw "pip install failed with exit code $LASTEXITCODE; the previous version was started again"
}
if ($ConfigFile) { Copy-Item -LiteralPath $ConfigFile -Destination (Join-Path $DataDir 'agent.toml') -Force }

Start-Service -Name $ServiceName
Write-Output "$ServiceName is $((Get-Service -Name $ServiceName).Status)"
& (Join-Path $InstallDir 'venv\Scripts\abaqueue-agent.exe') check --config (Join-Path $DataDir 'agent.toml')
exit $LASTEXITCODE
