Import-Module Az
Write-Host 'hi'
