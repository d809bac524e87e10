<#
.SYNOPSIS
    Removes the Abaqueue agent service from a Windows node.

.DESCRIPTION
    Stops and deletes the AbaqueueAgent service and removes its virtual environment. The
    configuration, token and logs in C:\ProgramData\Abaqueue and the work directory stay unless
    asked: -RemoveData deletes ProgramData\Abaqueue, -RemoveWorkDir the work directory named in the
    configuration (results not yet uploaded would be lost). Drain the node first
    (`abaqueue nodes drain NODE`) so that no job is running when it goes.

.PARAMETER InstallDir
    Where the agent's virtual environment lives. Default: C:\Program Files\Abaqueue.

.PARAMETER RemoveData
    Also delete C:\ProgramData\Abaqueue (configuration, token, logs, agent state).

.PARAMETER WorkDir
    With -RemoveWorkDir: the work directory to delete.

.PARAMETER RemoveWorkDir
    Also delete the work directory given by -WorkDir.

.EXAMPLE
    .\Uninstall-AbaqueueAgent.ps1

.EXAMPLE
    .\Uninstall-AbaqueueAgent.ps1 -RemoveData -RemoveWorkDir -WorkDir D:\abaqueue\work
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'Abaqueue'),
    [switch]$RemoveData,
    [string]$WorkDir = '',
    [switch]$RemoveWorkDir
)

$ErrorActionPreference = 'Stop'
$ServiceName = 'AbaqueueAgent'
$DataDir = Join-Path $env:ProgramData 'Abaqueue'

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
    if ($service.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
    if ($PSCmdlet.ShouldProcess($ServiceName, 'delete service')) {
        sc.exe delete $ServiceName | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "sc.exe delete failed with exit code $LASTEXITCODE" }
    }
    Write-Output "$ServiceName removed"
} else {
    Write-Output "$ServiceName is not installed"
}

if ((Test-Path -LiteralPath $InstallDir) -and $PSCmdlet.ShouldProcess($InstallDir, 'remove')) {
    Remove-Item -LiteralPath $InstallDir -Recurse -Force
}
[Environment]::SetEnvironmentVariable('ABAQUEUE_AGENT_CONFIG', $null, 'Machine')
if ($RemoveData -and (Test-Path -LiteralPath $DataDir) -and $PSCmdlet.ShouldProcess($DataDir, 'remove')) {
    Remove-Item -LiteralPath $DataDir -Recurse -Force
}
if ($RemoveWorkDir) {
    if (-not $WorkDir) { throw '-RemoveWorkDir needs -WorkDir' }
    if ((Test-Path -LiteralPath $WorkDir) -and $PSCmdlet.ShouldProcess($WorkDir, 'remove')) {
        Remove-Item -LiteralPath $WorkDir -Recurse -Force
    }
}
