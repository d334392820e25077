function Get-X { 1 }
