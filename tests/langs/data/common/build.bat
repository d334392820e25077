@echo off
REM build
call make.bat
